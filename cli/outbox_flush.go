package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// outbox flush: sending every pending body of the configured backend,
// and its exit.

// flushOutbox runs `outbox flush`: one line of counts, and an exit 1 when
// a body it tried or could have tried was not delivered (2 for an outbox
// found corrupt or locked).
func flushOutbox(c *ucli.Context, o Options, e *outboxEnv, before *laterListing) error {
	res, byProfile, others, kept, err := e.flush(c, o, before)
	if err != nil && c.Context.Err() == nil && res == (outbox.FlushResult{}) {
		// Failed before doing anything (a corrupt outbox, a full disk):
		// no line of counts, the error only.
		if outbox.NotWritable(err) {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; nothing was sent, the bodies stay pending (%s, then flush again)", err, roomFix(err))}
		}
		return flushError(err)
	}
	superseded := supersededSummary(res)
	left := ""
	switch configured := e.cfg.backend().URL != ""; {
	case configured && others.pending > 0 && others.sending > 0:
		left = fmt.Sprintf("; %d left pending for other backends, %d of other backends being sent by another process (see the lines above)",
			others.pending, others.sending)
	case configured && others.pending > 0:
		left = fmt.Sprintf("; %d left pending for other backends (see the lines above)", others.pending)
	case configured && others.sending > 0:
		left = fmt.Sprintf("; %d of other backends being sent by another process (see the lines above)", others.sending)
	}
	if kept.bodies > 0 {
		left += fmt.Sprintf("; %d left pending for injectkit serve (see %s above)", kept.bodies, plural(kept.lines, "the line", "the lines"))
	}
	corrupt := ""
	if res.Corrupt > 0 {
		corrupt = fmt.Sprintf(", %d corrupt (moved to the dead list unsent)", res.Corrupt)
	}
	untried := ""
	if res.Untried > 0 {
		untried = fmt.Sprintf(" (%d of them not tried: an earlier body found their backend down, asking to wait (429, 503) or moved (301, 308); flush again later)", res.Untried)
	}
	fmt.Fprintf(o.Stdout, "outbox %s: %d delivered%s, %d still pending%s, %d rejected (moved to the dead list)%s, %d being sent by another process%s\n",
		e.store.Path(), res.Delivered, superseded, res.Failed, untried, res.Rejected-res.Corrupt, corrupt, res.Busy, left)
	switch {
	case errors.Is(err, outbox.ErrCorrupt), errors.Is(err, outbox.ErrLocked), errors.Is(err, outbox.ErrNewerFormat):
		return flushError(err)
	case err != nil && c.Context.Err() != nil:
		return interruptedFlush(c, res, byProfile)
	case unnotedOnly(res, err):
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; nothing was sent, the bodies stay pending (%s, then flush again)", unnotedErr(res), roomFix(unnotedErr(res)))}
	case err != nil:
		return flushError(err)
	case res.Refused > 0:
		refused, fix := refusedCredentials(e.cfg.backend())
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("flush incomplete: %s: %s left pending, not moved to the dead list (flush again with %s)", refused,
			byProfile.counted(func(r outbox.FlushResult) int { return r.Refused }), fix)}
	}
	// The bodies another live process is sending are its to deliver, or
	// to keep pending: not a failure of this flush (its line counts them).
	if n := res.Failed + res.Rejected; n > 0 {
		refused := ""
		if a := refusedAnswer(res.Rejection, e.redaction()); a != "" {
			// What the backend answered, said here: the log line of each
			// body it refused may be filtered out (--log-level error).
			refused = fmt.Sprintf("%d rejected by the backend, moved to the dead list: %s%s; ", res.Rejected-res.Corrupt, a, firstOf(res.Rejected-res.Corrupt))
		}
		// The list of this outbox, which the flush may have been given by
		// --outbox, INJECTKIT_OUTBOX or the config file: a list without it
		// would show the default one.
		ee := &ExitError{Code: ExitDelivery, Err: fmt.Errorf("flush incomplete: %s not delivered (%ssee: %s outbox list --outbox %s)",
			byProfile.counted(func(r outbox.FlushResult) int { return r.Failed + r.Rejected }), refused, o.name(), shellWord(e.store.Path()))}
		ee.Hint = joinHints(e.notFoundHint(res.Rejection, res.Delivered), e.tooLargeHint(res.Rejection), refusedHint(res.Rejection, "<id>"))
		if res.Unnoted > 0 {
			ee.Hint = joinHints(ee.Hint, fmt.Sprintf("%d of them not sent: %v (%s, then flush again)", res.Unnoted, unnotedErr(res), roomFix(unnotedErr(res))))
		}
		if res.AskedWait > 0 && res.Failed > 0 {
			ee.Hint = joinHints(ee.Hint, askedWaitHint(res.AskedWait))
		}
		if res.Moved > 0 {
			ee.Hint = joinHints(ee.Hint, movedHint(o.name(), e.cfg.outbox().Path, e.cfg.backend().URL, res.MovedTo, res.MovedInject, e.redaction()))
		}
		return ee
	}
	return nil
}

// otherLeft counts the bodies of other backends a flush with a
// --backend-url leaves: pending, or being sent by another live process.
type otherLeft struct{ pending, sending int }

// readAgain returns before, read while the flush sent, or, when it
// counts bodies of other backends, the outbox read again as the flush
// ends: another flush of theirs, run at once, may have taken them
// meanwhile (sending, or delivered), and the lines name them as they are
// then. A read that fails keeps before.
func (e *outboxEnv) readAgain(ctx context.Context, before listing, configured string) listing {
	pending, _ := before.pendingElsewhere(configured)
	sending, _ := before.sendingElsewhere(configured)
	if len(pending) == 0 && len(sending) == 0 {
		return before
	}
	if now, err := e.readListing(ctx); err == nil && now.err == nil {
		return now
	}
	return before
}

// askedWaitHint says how long the backend asked a flush to wait (the
// longest Retry-After of a 429 or 503 that held its bodies), so that the
// operator knows when a flush is worth running again.
func askedWaitHint(d time.Duration) string {
	asked := d.String()
	if d >= 1<<20*time.Second { // ParseRetryAfter's cap: the header may ask far more
		asked = "more than 12 days"
	}
	return fmt.Sprintf("the backend asked to wait %s (the Retry-After of its 429 or 503): flush again once that has passed", asked)
}

// interruptedFlush is the exit of a flush an interrupt stopped: the
// bodies it did not deliver stay pending, the one cut short in flight
// saying so, the one stopped while it waited to be tried again keeping
// its schedule, the others unchanged.
func interruptedFlush(c *ucli.Context, res outbox.FlushResult, byProfile profileResults) error {
	var states []string
	if res.Cut > 0 {
		states = append(states, fmt.Sprintf("%d cut short in flight (the backend may have received it: its last error says so)", res.Cut))
	}
	if res.Waited > 0 {
		states = append(states, fmt.Sprintf("%d stopped while waiting to be tried again (no request in flight: due again when its backoff or the Retry-After asked ends, as outbox list shows)", res.Waited))
	}
	state := "unchanged"
	if len(states) > 0 {
		state = strings.Join(states, ", ")
		if res.Cut+res.Waited < res.Failed {
			state += ", the others unchanged"
		}
	}
	return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("flush interrupted (%w): %s still pending, %s (flush again to send them)",
		context.Cause(c.Context), byProfile.counted(func(r outbox.FlushResult) int { return r.Failed }), state)}
}

// flushError is the exit of a flush that failed: 2 for an outbox found
// corrupt, locked or written by a newer version, else 1.
func flushError(err error) error {
	if errors.Is(err, outbox.ErrCorrupt) || errors.Is(err, outbox.ErrLocked) || errors.Is(err, outbox.ErrNewerFormat) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return &ExitError{Code: ExitDelivery, Err: err}
}

// unnotedErr is the error of the first body a flush could not send as
// its attempt could not be noted beside the outbox.
func unnotedErr(res outbox.FlushResult) error {
	if res.NoteErr != nil {
		return res.NoteErr
	}
	return errors.New("the attempts cannot be noted beside the outbox")
}

// supersededSummary says, for the flush's line, what became of the
// superseded bodies: stored "complete" callbacks of injects the platform
// shows finished, dropped, or not sent with their signatures sent as
// "data".
func supersededSummary(res outbox.FlushResult) string {
	const why = "the platform shows the inject finished"
	sent, dropped := res.SupersededSent, res.Superseded-res.SupersededSent
	if res.Superseded == 0 {
		return ""
	}
	if sent == 0 {
		return fmt.Sprintf(", %d superseded (dropped: %s)", res.Superseded, why)
	}
	their := "their"
	if sent == 1 {
		their = "its"
	}
	if dropped == 0 {
		return fmt.Sprintf(", %d superseded (%s signatures sent as data: %s)", sent, their, why)
	}
	return fmt.Sprintf(", %d superseded (%s: %d with %s signatures sent as data, %d dropped)", res.Superseded, why, sent, their, dropped)
}

// callbackRecord reports whether r is a body of the callback profile.
func callbackRecord(r outbox.Record) bool { return r.Profile == "" }

// flushes reports whether a flush sends r, given r's backend: a body of
// the callback profile, or an openaev terminal callback `run --profile
// openaev` kept (see flush). It selects the incomplete sends whose loss
// fails a flush alike (see reportIncomplete).
func flushes(r outbox.Record) bool { return callbackRecord(r) || openaev.Untenanted(r) }

// profileResults are a flush's results by profile: the callback
// profile's pass, then the openaev one's.
type profileResults [2]outbox.FlushResult

// counted counts the bodies n says of each profile's results as each
// profile's run counts them (see profileCounts).
func (p profileResults) counted(n func(outbox.FlushResult) int) string {
	return profileCounts{n(p[0]), n(p[1])}.String()
}

// profileCounts are numbers of bodies by profile: the callback
// profile's, then the openaev one's.
type profileCounts [2]int

// String counts them as each profile's run counts them (storedMessage):
// the callback profile's signature bodies, the openaev profile's
// terminal callback bodies.
func (c profileCounts) String() string {
	var parts []string
	if c[0] > 0 {
		parts = append(parts, bodies(c[0]))
	}
	if c[1] > 0 {
		parts = append(parts, terminalBodies(c[1]))
	}
	if len(parts) == 0 {
		return bodies(0)
	}
	return strings.Join(parts, " and ")
}

// total is the number of bodies of both profiles.
func (c profileCounts) total() int { return c[0] + c[1] }

// flush sends every pending body of the two profiles now: the callback
// profile's, and the openaev terminal callbacks `run --profile openaev`
// kept (those of a platform reached with a tenant are resent by the
// `injectkit serve` that keeps them), its results summed (res) and by
// profile. others counts the pending bodies of other backends, left
// alone, kept those a daemon with a tenant resends (see serveKept).
func (e *outboxEnv) flush(c *ucli.Context, o Options, later *laterListing) (res outbox.FlushResult, byProfile profileResults, others otherLeft, kept serveLeft, err error) {
	configured := e.cfg.backend().URL
	mine := func(sel func(outbox.Record) bool) func(outbox.Record) bool {
		return func(r outbox.Record) bool { return sel(r) && sameBackend(r.BaseURL, configured) }
	}
	passes := []*outbox.Resender{
		{Store: e.store, Client: e.callbackPoster(o), Log: e.log, Select: mine(callbackRecord)},
		{Store: e.store, Client: e.openaevPoster(o), Log: e.log, Select: mine(openaev.Untenanted)},
	}
	if configured == "" {
		// Read before: nothing is sent without a backend.
		before, _ := later.wait()
		if before.err != nil {
			return res, byProfile, others, serveLeft{}, before.err
		}
		var left profileCounts
		left, others.sending = e.otherBackends(o.Stdout, before, configured)
		kept = e.serveKept(o.Stdout, before)
		if others.pending = left.total(); others.pending > 0 {
			// Nothing can be sent without a backend to send it to: a
			// flush that sent nothing while bodies wait did not succeed.
			return outbox.FlushResult{Failed: others.pending}, byProfile, others, kept, fmt.Errorf("flush incomplete: %s pending and no --backend-url given (see the lines above)", left)
		}
	}
	warnNoToken(e.log, e.cfg.backend())
	warnAPIRoute(e.log, e.cfg.backend().URL, e.cfg.source("backend_url"))
	var interrupted error
	for i, rs := range passes {
		r, err := rs.Flush(c.Context)
		res.Add(r)
		byProfile[i] = r
		switch {
		case err != nil && c.Context.Err() != nil:
			// Interrupted: the next passes send nothing, and count
			// their bodies still pending.
			interrupted = err
		case err != nil:
			return res, byProfile, others, kept, err
		}
	}
	if configured != "" {
		// Read while the passes sent: the bodies of other backends
		// and of daemons are not this flush's, and the counts are
		// theirs. An interrupt stops the read too: nothing is said
		// of them then, rather than counts cut short.
		before, ierr := later.wait()
		switch {
		case ierr != nil:
		case before.err != nil && interrupted == nil:
			return res, byProfile, others, kept, before.err
		case before.err == nil:
			before = e.readAgain(c.Context, before, configured)
			var left profileCounts
			left, others.sending = e.otherBackends(o.Stdout, before, configured)
			others.pending = left.total()
			kept = e.serveKept(o.Stdout, before)
		}
	}
	return res, byProfile, others, kept, interrupted
}

// redaction is the redaction of the secrets the flush was given (its
// token, its backend URL's credentials, its config file's secrets), as
// its output is redacted of them; nil when there are none.
func (e *outboxEnv) redaction() func(string) string {
	file, _ := e.cfg.readFileSecrets()
	return logRedaction(append(secretValues(e.cfg.backend(), nil, nil), file...))
}

// knownBackend reports whether the outbox holds the record of an
// incomplete send to configured, or knows it stored bodies for it
// (outbox.Store.Backends: those delivered since included), read without
// reading the records; false when that cannot be read.
func (e *outboxEnv) knownBackend(configured string) bool {
	sends, err := e.store.Incomplete()
	if err != nil {
		return false
	}
	for _, in := range sends {
		if sameBackend(in.BaseURL, configured) {
			return true
		}
	}
	known, err := e.store.Backends()
	if err != nil {
		return false
	}
	for _, base := range known {
		if sameBackend(base, configured) {
			return true // its bodies were delivered: flushed again, it sends nothing
		}
	}
	return false
}

// unknownBackend refuses a flush whose configured backend the outbox
// holds nothing for (no body, pending or dead, nor the record of an
// incomplete send) and never held a body for (outbox.Store.Backends: a
// backend whose bodies were delivered is flushed again, sending nothing)
// while it holds pending bodies that a flush with
// another --backend-url would send: a mistyped URL, which would
// otherwise send nothing and exit 0 as if the outbox had been flushed.
// Exit 2 before anything is sent, naming the URL as given (without its
// credentials) and where it was given, and the backends those bodies
// were stored for, as retry-dead refuses a body of another backend, and
// the move that gives them this URL should their backend have moved to
// it (a fixed --backend-url after a 301 or 308). An outbox holding no
// pending body of another backend (empty, or drained by earlier
// flushes) is flushed as before: there is nothing to send.
func (e *outboxEnv) unknownBackend(name string, before listing) error {
	configured := e.cfg.backend().URL
	if configured == "" {
		return nil // flush says it: no --backend-url given
	}
	if before.err != nil {
		return nil // flush reports the outbox's error
	}
	if e.knownBackend(configured) {
		return nil
	}
	if before.knows(configured) {
		return nil // a backend the outbox knows: flushed as usual
	}
	order, held := before.pendingElsewhere(configured)
	if len(order) == 0 {
		return nil
	}
	var parts []string
	for _, base := range order {
		parts = append(parts, fmt.Sprintf("%s (%s)", base, held[base]))
	}
	given := "--backend-url"
	if sc, ok := e.cfg.(*outboxSendConfig); ok {
		given = sc.backendGiven()
	}
	from := "OLD"
	if len(order) == 1 {
		from = shellWord(shownBase(order[0]))
	}
	move := fmt.Sprintf("%s outbox move --outbox %s --from %s --to %s", name, shellWord(e.store.Path()), from, shellWord(shownBase(configured)))
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("nothing sent: outbox %s holds no body stored for %s %s; it holds pending bodies for: %s "+
		"(check the URL; flush those with their own --backend-url and token, given by %s; or, if their backend moved to this URL, "+
		"give them this one first with: %s)",
		e.store.Path(), given, httpx.StripCredentials(strings.TrimSpace(configured)), strings.Join(parts, ", "), tokenSources, move)}
}
