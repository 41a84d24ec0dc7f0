package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// What a flush reads of the outbox before it sends anything: one walk,
// its counts kept, never its records. A flush of a million bodies held
// every record it read (some 1 KB each) until it ended.

// listing is what a flush reads once of the outbox's records before it
// sends anything, or the error reading them: the refusal of an unknown
// backend (unknownBackend) and the lines about the bodies the flush
// leaves alone (otherBackends, serveKept) share it, where each read the
// whole file again (a fifth of the CPU of a flush of 10 000 bodies). It
// counts the records, a few per backend, and holds none.
type listing struct {
	// bases are the backends of the readable records, as stored (with
	// credentials, should a record hold any), in the order of their first
	// pending body a flush sends (flushes), then of their first record.
	bases []*baseCount
	// kept are the pending terminal callbacks of a daemon reached with a
	// tenant (see serveKept), by platform, tenant and injector, in the
	// order of their first record.
	kept []keptCount
	err  error
	// busy reports a record another live process is sending (the
	// outbox's Busy): another flush's, say, counted apart from the
	// pending bodies it would deliver, or leave pending, itself.
	busy func(outbox.Record) bool
}

// baseCount counts the records of one backend.
type baseCount struct {
	base string
	// pending counts its pending bodies a flush sends, by profile.
	pending profileCounts
	// first is the rank of its first pending body a flush sends (see
	// add); 0 when none is.
	first int
	// sending counts its pending bodies a flush sends that another live
	// process was sending as they were read, by profile.
	sending profileCounts
}

// keptCount counts the pending terminal callbacks a daemon keeps for one
// platform, tenant and injector.
type keptCount struct {
	base, tenant, injector string
	n                      int
}

// add counts r, the walk's next record; seen is how many bodies a flush
// sends were counted before it.
func (l *listing) add(r outbox.Record, seen *int) {
	if r.Unreadable() {
		return
	}
	b := l.base(r.BaseURL)
	if r.State != outbox.Pending {
		return
	}
	if flushes(r) && l.busy != nil && l.busy(r) {
		b.sending[profileIndex(r)]++
		return
	}
	if flushes(r) {
		if b.pending.total() == 0 {
			*seen++
			b.first = *seen
		}
		b.pending[profileIndex(r)]++
	}
	if tenant, ok := openaev.Tenant(r); ok {
		l.keep(httpx.StripCredentials(r.BaseURL), tenant, r.InjectorID)
	}
}

// profileIndex is the index of r's profile in a profileCounts: 0 for a
// callback body, 1 for an openaev terminal callback body.
func profileIndex(r outbox.Record) int {
	if callbackRecord(r) {
		return 0
	}
	return 1
}

// sendingElsewhere returns, for each backend but configured (credentials
// stripped), its bodies another live process was sending, by profile, in
// the order of the backends' first records; backends with none are left
// out.
func (l listing) sendingElsewhere(configured string) (order []string, counts map[string]profileCounts) {
	var some []*baseCount
	for _, b := range l.bases {
		if b.sending.total() > 0 && !sameBackend(b.base, configured) {
			some = append(some, b)
		}
	}
	return byBase(some, func(b *baseCount) profileCounts { return b.sending })
}

// byBase sums count of each of bases by backend, credentials stripped,
// in the order of bases.
func byBase(bases []*baseCount, count func(*baseCount) profileCounts) (order []string, counts map[string]profileCounts) {
	counts = map[string]profileCounts{}
	for _, b := range bases {
		base := httpx.StripCredentials(b.base)
		c, ok := counts[base]
		if !ok {
			order = append(order, base)
		}
		n := count(b)
		c[0] += n[0]
		c[1] += n[1]
		counts[base] = c
	}
	return order, counts
}

// base returns the count of the records of base, a new one if none was
// counted yet.
func (l *listing) base(base string) *baseCount {
	for _, b := range l.bases {
		if b.base == base {
			return b
		}
	}
	b := &baseCount{base: base}
	l.bases = append(l.bases, b)
	return b
}

// keep counts a pending terminal callback a daemon keeps.
func (l *listing) keep(base, tenant, injector string) {
	for i, k := range l.kept {
		if k.base == base && k.tenant == tenant && k.injector == injector {
			l.kept[i].n++
			return
		}
	}
	l.kept = append(l.kept, keptCount{base: base, tenant: tenant, injector: injector, n: 1})
}

// knows reports whether the outbox holds a readable record of configured,
// in any state.
func (l listing) knows(configured string) bool {
	for _, b := range l.bases {
		if sameBackend(b.base, configured) {
			return true
		}
	}
	return false
}

// pendingElsewhere returns, for each backend but configured (credentials
// stripped), its pending bodies a flush sends, by profile, in the order
// of its first one; backends with none are left out.
func (l listing) pendingElsewhere(configured string) (order []string, counts map[string]profileCounts) {
	sorted := make([]*baseCount, 0, len(l.bases))
	for _, b := range l.bases {
		if b.first > 0 && !sameBackend(b.base, configured) {
			sorted = append(sorted, b)
		}
	}
	// By the rank of their first body, as the records were walked.
	slices.SortFunc(sorted, func(a, b *baseCount) int { return cmp.Compare(a.first, b.first) })
	return byBase(sorted, func(b *baseCount) profileCounts { return b.pending })
}

// laterListing is a flush's listing, read while it sends (see
// flushCommand), or before.
type laterListing struct {
	done chan struct{} // closed once l and err are set
	l    listing
	err  error
}

// readListingLater reads the outbox's listing in a goroutine of its own
// (readListing), for a flush to wait for once it sent.
func (e *outboxEnv) readListingLater(ctx context.Context) *laterListing {
	ll := &laterListing{done: make(chan struct{})}
	go func() {
		defer close(ll.done)
		ll.l, ll.err = e.readListing(ctx)
	}()
	return ll
}

// readNow is a listing read already: l.
func readNow(l listing) *laterListing {
	ll := &laterListing{done: make(chan struct{}), l: l}
	close(ll.done)
	return ll
}

// wait returns the listing once it was read, and the error that
// stopped it (an interrupt: see readListing).
func (ll *laterListing) wait() (listing, error) {
	<-ll.done
	return ll.l, ll.err
}

// flushCommand runs `outbox flush`. The listing of every record (the lines
// about the bodies the flush leaves alone, and the refusal of a mistyped
// --backend-url) is read before anything is sent only when it decides
// what is sent: no --backend-url, or one the outbox never stored a body
// for (outbox.Store.Backends) nor holds an incomplete send of. Otherwise
// it is read while the flush sends, and its lines written after: a flush
// of a million bodies posted its first only once it had read them all,
// two minutes and more.
func (e *outboxEnv) flushCommand(c *ucli.Context, o Options) error {
	if configured := e.cfg.backend().URL; configured != "" && e.knownBackend(configured) {
		// A flush that ends before the listing does (an error) stops
		// it, rather than wait for it to read on.
		ctx, cancel := context.WithCancel(c.Context)
		defer cancel()
		return e.reportIncomplete(o, flushOutbox(c, o, e, e.readListingLater(ctx)))
	}
	before, err := e.readListing(c.Context)
	if err != nil {
		return err // interrupted: nothing sent
	}
	if err := e.unknownBackend(o.name(), before); err != nil {
		return err // a mistyped --backend-url: nothing sent
	}
	return e.reportIncomplete(o, flushOutbox(c, o, e, readNow(before)))
}

// readListing reads the outbox's records for a flush, a page at a time
// (outbox.Store.Walk), counting them (see listing), the error reading
// them kept in the listing. The first interrupt stops it: exit 130,
// nothing sent (a flush of a million bodies read them all for a minute
// before the interrupt was seen).
func (e *outboxEnv) readListing(ctx context.Context) (listing, error) {
	l := listing{busy: e.store.Busy}
	seen := 0
	err := e.store.Walk(ctx, func(r outbox.Record) error {
		l.add(r, &seen)
		return nil
	})
	if err != nil && ctx.Err() != nil {
		return listing{}, &ExitError{Code: ExitInterrupted,
			Err: fmt.Errorf("flush interrupted while reading outbox %s: nothing was sent, the bodies stay as they were: %w", e.store.Path(), context.Cause(ctx))}
	}
	l.err = err
	return l, nil
}
