package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport/outbox"
)

// `outbox drop --from URL` and `--before TIME`: every body of a backend
// decommissioned, or stored before a date, in one command rather than one
// drop per id. --from is move's: the backend the bodies were stored for.

// dropSelection is what a drop of several bodies picks: those stored for
// backend (when set) and before before (when not zero).
type dropSelection struct {
	backend string
	before  time.Time
}

// dropSelected reports whether cfg (drop's configuration) gives a
// selection (from or before), rather than an id.
func dropSelected(cfg outboxCommandConfig) bool {
	dc, ok := cfg.(*outboxDropConfig)
	return ok && (dc.From != "" || dc.Before != "")
}

// readDropSelection reads drop's from and before, refusing (exit 2,
// naming the setting and where it was given) an id given with them, a
// time it cannot read or one in the future (every body would match: from
// alone says that).
func readDropSelection(c *ucli.Context, o Options, cfg outboxCommandConfig, now time.Time) (dropSelection, error) {
	dc := cfg.(*outboxDropConfig)
	sel := dropSelection{backend: dc.From}
	if c.NArg() > 0 {
		var given []string
		for key, v := range map[string]string{"from": httpx.StripCredentials(dc.From), "before": dc.Before} {
			if w := dc.where(key); w != "" {
				given = append(given, fmt.Sprintf("%s %q%s", key, v, w))
			}
		}
		slices.Sort(given) // before, then from
		return sel, wordsError(c, o, "outbox drop takes an id or a selection (--from, --before), not both: got %q and %s "+
			"(drop that one id, or leave it out to drop every body selected)", strings.Join(c.Args().Slice(), " "), strings.Join(given, " and "))
	}
	if from, before := dc.source("from"), dc.source("before"); !from.flag() && !before.flag() {
		// Both from the environment or a config file: INJECTKIT_FROM
		// exported for a move, or a file's from, would otherwise turn a
		// bare `outbox drop` into the loss of that backend's bodies.
		var given []string
		for _, s := range []source{from, before} {
			if s.given() {
				given = append(given, s.named())
			}
		}
		return sel, usageErr("outbox drop without an id drops every body selected, so it takes its selection as a flag (--from, --before): "+
			"%s alone selects nothing (give the flag, or an id to drop one body)", strings.Join(given, " and "))
	}
	if dc.Before != "" {
		t, err := time.Parse(time.RFC3339Nano, dc.Before)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, dc.Before); err != nil {
				return sel, usageErr("invalid before %q%s: not a date (2026-11-30, midnight UTC) nor an RFC 3339 time (2026-11-30T08:00:00Z)",
					dc.Before, dc.where("before"))
			}
		}
		if t.After(now) {
			alone := ""
			if sel.backend != "" {
				alone = ", or --from alone for every body of that backend"
			}
			return sel, usageErr("invalid before %q%s: in the future, so every body would be dropped: give a time in the past%s",
				dc.Before, dc.where("before"), alone)
		}
		sel.before = t
	}
	return sel, nil
}

// picks reports whether sel picks r.
func (sel dropSelection) picks(r outbox.Record) bool {
	if sel.backend != "" && !sameBackend(r.BaseURL, sel.backend) {
		return false
	}
	return sel.before.IsZero() || !r.Created.IsZero() && r.Created.Before(sel.before)
}

// says is what sel picked: "stored for URL", "stored before T", or both.
func (sel dropSelection) says() string {
	var parts []string
	if sel.backend != "" {
		parts = append(parts, "stored for "+shownBase(httpx.StripCredentials(sel.backend)))
	}
	if !sel.before.IsZero() {
		parts = append(parts, "stored before "+sel.before.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, ", ")
}

// dropMany drops the bodies the selection of e's configuration picks, a
// page at a time, and says what it dropped and what it left. A --from the
// outbox holds nothing for while it holds bodies of other backends (a
// mistyped URL) drops nothing and exits 2 naming those, as a flush's.
func dropMany(c *ucli.Context, o Options, e *outboxEnv) error {
	sel, err := readDropSelection(c, o, e.cfg, time.Now())
	if err != nil {
		return err
	}
	res, err := e.store.DropWhere(c.Context, sel.picks)
	if err != nil && res.Dropped() == 0 && !errors.Is(err, c.Context.Err()) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err == nil && res.Dropped() == 0 && res.Busy == 0 && sel.backend != "" {
		held, herr := e.backends(c.Context)
		if herr != nil {
			return &ExitError{Code: ExitUsage, Err: herr}
		}
		if len(held) > 0 && !anySame(held, sel.backend) {
			return usageErr("nothing dropped: outbox %s holds no body stored for from %q%s; %s (check the URL)",
				e.store.Path(), shownBase(sel.backend), e.cfg.where("from"), heldFor(held))
		}
	}
	line := fmt.Sprintf("dropped %s %s (%d pending, %d dead, %s): never sent", bodies(res.Dropped()), sel.says(),
		res.Pending, res.Dead, humanBytes(res.Bytes))
	if res.Busy > 0 {
		line += fmt.Sprintf("; %s left: being sent by a live process (pid %d), which delivers them or keeps them pending", bodies(res.Busy), res.Owner)
	}
	fmt.Fprintln(o.Stdout, line)
	if err != nil {
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("drop interrupted: the bodies not dropped yet stay as they were: %w", err)}
	}
	return nil
}

// anySame reports whether one of backends is the backend of u.
func anySame(backends []string, u string) bool {
	for _, b := range backends {
		if sameBackend(b, u) {
			return true
		}
	}
	return false
}
