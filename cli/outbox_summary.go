package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/injectkit/injectkit/transport/outbox"
)

// `outbox list --summary` and `--limit N`: an outbox a week of refusals
// filled (a million bodies) took minutes and gigabytes to list whole. The
// summary counts it by backend, and the limit lists its first records,
// each reading the records a page at a time (outbox.Store.Walk), never all
// of them at once.

const (
	summaryFlag = "summary"
	limitFlag   = "limit"
)

// listBounds reads list's summary and limit from cfg (list's
// configuration): limit 0 when not given. Both, or a limit below 1, exit 2
// naming the setting and where it was given.
func listBounds(cfg outboxCommandConfig) (summary bool, limit int, err error) {
	lc, ok := cfg.(*outboxListConfig)
	if !ok {
		return false, 0, nil
	}
	if lc.where(limitFlag) == "" {
		return lc.Summary, 0, nil
	}
	switch {
	case lc.Limit < 1:
		return false, 0, usageErr("invalid limit %q%s: must be at least 1 (leave it out to list every record)",
			lc.written(limitFlag, strconv.Itoa(lc.Limit)), lc.where(limitFlag))
	case lc.Summary:
		return false, 0, usageErr("summary%s and limit%s: give one (the summary lists no record)", lc.where(summaryFlag), lc.where(limitFlag))
	}
	return false, lc.Limit, nil
}

// backendSummary is one line of the summary: the bodies of one owner (a
// backend, its profile, tenant and injector, as list's OWNER column).
type backendSummary struct {
	Owner   string    `json:"owner"`
	BaseURL string    `json:"base_url,omitempty"`
	Profile string    `json:"profile,omitempty"`
	Pending int       `json:"pending"`
	Dead    int       `json:"dead"`
	Bytes   int64     `json:"bytes"`
	Oldest  time.Time `json:"oldest,omitzero"`
}

// outboxSummaryJSON is what `outbox list --summary -o json` prints.
type outboxSummaryJSON struct {
	Outbox   string           `json:"outbox"`
	Pending  int              `json:"pending"`
	Dead     int              `json:"dead"`
	Bytes    int64            `json:"bytes"`
	MaxBytes int64            `json:"max_bytes"`
	Backends []backendSummary `json:"backends"`
}

// summarize counts the records of s by owner, a page at a time, the
// owners in the order of their oldest body (those whose metadata is lost
// last, as "-").
func summarize(ctx context.Context, s *outbox.Store) ([]backendSummary, error) {
	by := map[string]*backendSummary{}
	err := s.Walk(ctx, func(r outbox.Record) error {
		key := unknownField
		if !r.MetadataLost() {
			key = owner(r)
		}
		b := by[key]
		if b == nil {
			b = &backendSummary{Owner: key}
			if key != unknownField {
				b.BaseURL, b.Profile = r.BaseURL, r.Profile
			}
			by[key] = b
		}
		if r.State == outbox.Dead {
			b.Dead++
		} else {
			b.Pending++
		}
		b.Bytes += int64(r.Size)
		if c := r.Created.UTC(); !r.MetadataLost() && !c.IsZero() && (b.Oldest.IsZero() || c.Before(b.Oldest)) {
			b.Oldest = c
		}
		return nil
	})
	out := make([]backendSummary, 0, len(by))
	for _, b := range by {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b backendSummary) int {
		if lostA, lostB := a.Owner == unknownField, b.Owner == unknownField; lostA != lostB {
			return map[bool]int{true: 1, false: -1}[lostA]
		}
		return cmp.Or(a.Oldest.Compare(b.Oldest), cmp.Compare(a.Owner, b.Owner))
	})
	return out, err
}

// listSummary prints the outbox's counts, then a line per owner; the
// first interrupt stops it before it printed either (exit 130).
func listSummary(ctx context.Context, o Options, e *outboxEnv) error {
	// The bytes stored, without Stats' counts of the records: those
	// walked below are counted as they are walked, where Stats read every
	// page of the records once more before the walk (a second or more of
	// each ten at a million bodies).
	var use outbox.Usage
	err := e.readInterruptibly(ctx, "outbox list --"+summaryFlag, func() (err error) {
		if use, err = e.store.Usage(); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sum, err := summarize(ctx, e.store)
	switch {
	case err != nil && ctx.Err() != nil:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("outbox list --%s interrupted: nothing listed; %s: %w",
			summaryFlag, outboxExitSays("list"), context.Cause(ctx))}
	case err != nil:
		return &ExitError{Code: ExitUsage, Err: err}
	}
	st := outbox.Stats{Bytes: use.Bytes}
	for _, b := range sum {
		st.Pending += b.Pending
		st.Dead += b.Dead
	}
	if e.cfg.output() == outputJSON {
		return writeJSON(o, outboxSummaryJSON{Outbox: e.store.Path(), Pending: st.Pending, Dead: st.Dead, Bytes: st.Bytes,
			MaxBytes: e.store.MaxBytes(), Backends: sum})
	}
	listHeader(o, e, st)
	if len(sum) == 0 {
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(o.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PENDING\tDEAD\tSIZE\tOLDEST\tOWNER")
	for _, b := range sum {
		oldest := unknownField
		if !b.Oldest.IsZero() {
			oldest = b.Oldest.Format(time.RFC3339) + " (" + now.Sub(b.Oldest).Round(time.Second).String() + " ago)"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\n", b.Pending, b.Dead, humanBytes(b.Bytes), oldest, b.Owner)
	}
	return tw.Flush()
}

// listHeader prints list's first line: the outbox, its counts, the bytes
// stored and the limit.
func listHeader(o Options, e *outboxEnv, st outbox.Stats) {
	limit := "of " + humanBytes(e.store.MaxBytes())
	if lc, ok := e.cfg.(*outboxListConfig); ok && !lc.limitGiven() {
		// The file does not say the limit run and serve were given.
		limit = "stored (limit: the --outbox-max-bytes of run and serve, " + humanBytes(e.store.MaxBytes()) + " by default)"
	}
	fmt.Fprintf(o.Stdout, "outbox %s: %d pending, %d dead, %s %s\n", e.store.Path(), st.Pending, st.Dead,
		humanBytes(st.Bytes), limit)
}

// notShown is the line that ends a listing cut at limit, when the outbox
// holds more records than it showed.
func notShown(o Options, n, limit int) {
	if n > 0 {
		fmt.Fprintf(o.Stdout, "%d more not shown (--%s %d; %s outbox list --%s counts them by backend)\n", n, limitFlag, limit, o.name(), summaryFlag)
	}
}
