package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// `outbox move`: the bodies stored for a backend that moved (a 301 or 308,
// a renamed host) given its new base URL, so that a flush with the fixed
// --backend-url sends them, with its token. A body goes only to its own
// backend: the move is the operator's act, never done on its own.

// outboxMoveConfig is the configuration of `outbox move`.
type outboxMoveConfig struct {
	Outbox outboxFileConfig
	From   string `config:"from,url,required" usage:"the base URL the bodies were stored for: the backend that moved (compared as flush compares its --backend-url)"`
	To     string `config:"to,url,required" usage:"the base URL to send them to from now on: the --backend-url of the next flush"`
	Output string `config:"output" enum:"text|json" usage:"output format: text (default) or json"`
	Log    logConfig
	origins
}

func (c *outboxMoveConfig) outbox() outboxConfig   { return c.Outbox.config() }
func (c *outboxMoveConfig) logging() logConfig     { return c.Log }
func (c *outboxMoveConfig) backend() backendConfig { return backendConfig{} }
func (c *outboxMoveConfig) output() string         { return c.Output }

// check refuses a move to the backend it moves from (exit 2): nothing
// would change; and a --to holding [REDACTED], which can only be copied
// from an output that withheld a secret of the URL: stored, the bodies
// would go to a URL the backend never gave.
func (c *outboxMoveConfig) check() error {
	if holdsRedacted(c.To) {
		return usageErr("invalid to %q%s: holds %s, a secret an output withheld: give the URL the backend moved to in full",
			httpx.StripCredentials(c.To), c.where("to"), httpx.Redacted)
	}
	if backendKey(c.From) == backendKey(c.To) {
		return usageErr("invalid to %q%s: the backend of from %q%s: give the base URL it moved to",
			httpx.StripCredentials(c.To), c.where("to"), httpx.StripCredentials(c.From), c.where("from"))
	}
	return nil
}

// outboxMoveJSON is what `outbox move -o json` prints.
type outboxMoveJSON struct {
	Outbox  string `json:"outbox"`
	From    string `json:"from"`
	To      string `json:"to"`
	Moved   int    `json:"moved"`
	Pending int    `json:"pending"`
	Dead    int    `json:"dead"`
	Busy    int    `json:"busy"`
	// Storing counts the sends for --from another live process is still
	// storing: not moved, their bodies counted in Busy.
	Storing int `json:"storing"`
	// Sends counts the records of incomplete sends (chunks never stored)
	// moved with the bodies.
	Sends int `json:"sends"`
	// Backends are those the outbox holds bodies for, when none is
	// --from's.
	Backends []string `json:"backends,omitempty"`
}

// moveOutbox runs `outbox move`: exit 0 once every body stored for --from
// has --to as its base URL; 1 when none is stored for it, or when another
// live process was sending some (left as they were).
func moveOutbox(ctx context.Context, o Options, e *outboxEnv) error {
	mc := e.cfg.(*outboxMoveConfig)
	if err := mc.check(); err != nil {
		return err
	}
	// --to is the next flush's --backend-url: warned of as that is.
	warnAPIRoute(e.log, mc.To, mc.source("to"))
	from, to := shownBase(mc.From), shownBase(mc.To)
	var res outbox.MoveResult
	tenanted, err := e.tenantsKept(ctx, mc.From)
	if err == nil {
		res, err = e.store.Move(ctx, func(base string) bool { return sameBackend(base, mc.From) }, mc.To)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("move interrupted: nothing moved, the outbox is as it was: %w", context.Cause(ctx))}
	case outbox.NotWritable(err):
		// One transaction, not committed: exit 2, as a flush's on a
		// full disk.
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; nothing moved, the outbox is as it was (%s, then move again)", err, roomFix(err))}
	case err != nil:
		return flushError(err)
	}
	serveSends, kept := e.movedToServe(tenanted, mc.To)
	out := outboxMoveJSON{Outbox: e.store.Path(), From: from, To: to, Moved: res.Moved(), Pending: res.Pending, Dead: res.Dead, Busy: res.Busy, Storing: res.Storing, Sends: res.Sends}
	if res.Moved()+res.Busy+res.Storing+res.Sends == 0 {
		if out.Backends, err = e.backends(ctx); err != nil {
			return flushError(err)
		}
	}
	if mc.Output == outputJSON {
		if err := writeJSON(o, out); err != nil {
			return err
		}
	} else if res.Moved()+res.Sends > 0 {
		how := serveSends
		if flushed := res.Pending - kept + res.Sends; flushed > 0 || res.Dead > 0 {
			how = strings.TrimSuffix(sendMoved(o.name(), e.store.Path(), mc.To, flushed > 0, res.Dead > 0)+"; "+serveSends, "; ")
		}
		fmt.Fprintf(o.Stdout, "outbox %s: %s moved from %s to %s (%d pending, %d dead%s; nothing sent): %s\n",
			e.store.Path(), profileCounts{res.Moved() - res.Profiled, res.Profiled}, from, to, res.Pending, res.Dead, movedSends(res.Sends), how)
	}
	switch {
	case res.Corrupt > 0:
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("move incomplete: %d %s stored for %s not moved: %s URL is not under %s base URL, damaged on disk (a flush never sends %s: drop %s, e.g. injectkit outbox drop --outbox %s %d)",
			res.Corrupt, plural(res.Corrupt, "corrupt record", "corrupt records"), from, plural(res.Corrupt, "its", "their"), plural(res.Corrupt, "its", "their"),
			plural(res.Corrupt, "it", "them"), plural(res.Corrupt, "it", "them"), shellWord(e.store.Path()), res.CorruptID)}
	case res.Storing > 0 && res.Busy == 0:
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("move incomplete: %d %s for %s not moved: another process is still storing %s (move again once it is done)",
			res.Storing, plural(res.Storing, "send", "sends"), from, plural(res.Storing, "its bodies", "their bodies"))}
	case res.Busy > 0:
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("move incomplete: %s stored for %s not moved: being sent by another process, or of a send another process is still storing or sending in order (it delivers them, or keeps them pending: move again then)",
			profileCounts{res.Busy - res.BusyProfiled, res.BusyProfiled}, from)}
	case res.Moved()+res.Sends == 0:
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("nothing moved: outbox %s holds no body stored for %s (%s)", e.store.Path(), from, heldFor(out.Backends))}
	}
	return nil
}

// tenantsKept returns the pending terminal callbacks stored for from
// that a daemon reached with a tenant kept (see openaev.Tenant), by id,
// each with its tenant: a flush does not send them once moved either.
func (e *outboxEnv) tenantsKept(ctx context.Context, from string) (map[uint64]string, error) {
	kept := map[uint64]string{}
	err := e.store.Walk(ctx, func(r outbox.Record) error {
		if tenant, ok := openaev.Tenant(r); ok && r.State == outbox.Pending && sameBackend(r.BaseURL, from) {
			kept[r.ID] = tenant
		}
		return nil
	})
	return kept, err
}

// movedToServe says who sends the bodies of tenanted (see tenantsKept)
// the move gave the base URL to, pending still: the injectkit serve of
// each tenant and injector id (openaev.Profile.Owns); "" when there are
// none. n counts them.
func (e *outboxEnv) movedToServe(tenanted map[uint64]string, to string) (says string, n int) {
	type daemon struct{ tenant, injector string }
	byDaemon := map[daemon]int{}
	var daemons []daemon
	for id, tenant := range tenanted {
		r, err := e.store.Get(id)
		if err != nil || r.State != outbox.Pending || !sameBackend(r.BaseURL, to) {
			continue // not moved: another process's, or gone since
		}
		d := daemon{tenant, r.InjectorID}
		if byDaemon[d] == 0 {
			daemons = append(daemons, d)
		}
		byDaemon[d]++
		n++
	}
	slices.SortFunc(daemons, func(a, b daemon) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.injector, b.injector))
	})
	var parts []string
	for _, d := range daemons {
		parts = append(parts, fmt.Sprintf("the injectkit serve with --openaev-url %s --tenant %s%s resends the %s of tenant %s",
			shownBase(to), d.tenant, injectorFlag(d.injector), terminalBodies(byDaemon[d]), d.tenant))
	}
	if len(parts) == 0 {
		return "", 0
	}
	return strings.Join(parts, "; ") + " (a flush does not send a tenant's callbacks)", n
}

// sendMoved is the command that sends the bodies moved to the base URL
// to: flush for the pending ones (and the records of incomplete sends,
// which a flush reports), retry-dead for the dead ones, which flush
// leaves; the URL without its user:password, which the command says to
// add when to holds one, as a run's hint does.
func sendMoved(name, path, to string, pending, dead bool) string {
	shown := shellWord(shownBase(to))
	if u, err := url.Parse(strings.TrimSpace(to)); err == nil && u.User != nil {
		shown += ", adding the URL's user:password (not shown)"
	}
	flush := fmt.Sprintf("%s outbox flush --outbox %s --backend-url %s", name, shellWord(path), shown)
	retry := fmt.Sprintf("%s outbox retry-dead <id> --outbox %s --backend-url %s", name, shellWord(path), shown)
	switch {
	case pending && dead:
		return "flush the pending ones with: " + flush + "; resend each dead one with: " + retry
	case dead:
		return "resend each with: " + retry
	}
	return "flush them with: " + flush
}

// movedSends says how many records of incomplete sends moved with the
// bodies: "" for none.
func movedSends(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return ", and the record of 1 incomplete send (its chunks never stored are reported by the flush)"
	}
	return fmt.Sprintf(", and the records of %d incomplete sends (their chunks never stored are reported by the flush)", n)
}

// backends lists the backends the outbox holds bodies for, pending or
// dead, as list shows them (without credentials), each once, in order. It
// reads the records a page at a time (outbox.Store.Walk): an outbox of a
// million bodies is never held in memory whole.
func (e *outboxEnv) backends(ctx context.Context) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	err := e.store.Walk(ctx, func(r outbox.Record) error {
		if r.MetadataLost() || seen[backendKey(r.BaseURL)] {
			return nil
		}
		seen[backendKey(r.BaseURL)] = true
		out = append(out, httpx.StripCredentials(r.BaseURL))
		return nil
	})
	return out, err
}

// heldFor says which backends an outbox holds bodies for.
func heldFor(backends []string) string {
	if len(backends) == 0 {
		return "it holds none"
	}
	return "it holds bodies for: " + strings.Join(backends, ", ")
}

// shownBase is a base URL as move shows it: without credentials, nor
// trailing slashes.
func shownBase(u string) string {
	return strings.TrimRight(httpx.StripCredentials(strings.TrimSpace(u)), "/")
}

// moveNone answers `outbox move` on an outbox file that does not exist,
// or is empty: nothing is stored for --from (exit 1).
func (e *outboxEnv) moveNone(o Options) error {
	mc := e.cfg.(*outboxMoveConfig)
	if err := mc.check(); err != nil {
		return err
	}
	if mc.Output == outputJSON {
		if err := writeJSON(o, outboxMoveJSON{Outbox: e.absent, From: shownBase(mc.From), To: shownBase(mc.To)}); err != nil {
			return err
		}
	}
	return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("nothing moved: outbox %s holds no body stored for %s (%s)", e.absent, shownBase(mc.From), e.why)}
}

// movedHint is the hint of a run or a flush whose backend answered 301 or
// 308 (moved for good), moved its answer's Location ("" for none), to a
// callback of inject injectID: fix the backend URL, from, and give the
// bodies stored for it the new one with `outbox move` (the new one read
// from the Location when it ends with that inject's callback path (not
// another inject's), the part before that path, on from's
// host with its scheme or http to https; else NEW_URL to fill in: a
// Location is the backend's word, and a paste-ready --to that sends the
// bodies, with their token, to another host or from https to http would
// take it on trust). The new one is NEW_URL too, saying why, when it
// holds a secret, redacted in moved already or one redact withholds (nil:
// none): printed [REDACTED], a runnable --to would store a wrong URL. "" for another error.
func movedHint(name, outboxPath, from, moved, injectID string, redact func(string) string) string {
	to, why := "NEW_URL", ""
	if u, err := url.Parse(moved); err == nil && u.Host != "" && sameHostNoDowngrade(from, u) {
		if i := strings.LastIndex(u.EscapedPath(), "/api/injects/"); i >= 0 && callbackOf(u.EscapedPath()[i:], injectID) {
			base := u.Scheme + "://" + u.Host + u.EscapedPath()[:i]
			if _, err := httpx.ParseBaseURL(base); err == nil && backendKey(base) != backendKey(from) {
				to = base
			}
		}
	}
	// The Location comes redacted already when the error that carried it
	// was; redact, for a secret the poster did not know of.
	if to != "NEW_URL" && (holdsRedacted(to) || redact != nil && redact(shownBase(to)) != shownBase(to)) {
		to, why = "NEW_URL", " (the URL it moved to holds a secret, withheld here: write it in full)"
	}
	where := ""
	if moved != "" {
		where = " to " + httpx.StripCredentials(moved)
	}
	cmd := name + " outbox move"
	if outboxPath != "" {
		cmd += " --outbox " + shellPath(outboxPath)
	}
	return fmt.Sprintf("the backend moved for good (301 or 308%s): fix --backend-url, and give the bodies stored for the old one the new one with: %s --from %s --to %s%s",
		where, cmd, shellWord(shownBase(from)), shellWord(to), why)
}

// holdsRedacted reports whether the URL u holds [REDACTED], as written or
// percent-encoded, in any case: what an output printed in place of a
// secret.
func holdsRedacted(u string) bool {
	u = strings.ToUpper(u)
	return strings.Contains(u, httpx.Redacted) || strings.Contains(u, url.PathEscape(httpx.Redacted))
}

// callbackOf reports whether path, from its "/api/injects/", is a
// callback path of inject id: the backend's (/api/injects/ID/callback) or
// the OpenAEV platform's (/api/injects/execution/callback/ID).
func callbackOf(path, id string) bool {
	e := url.PathEscape(id)
	return id != "" && (path == "/api/injects/"+e+"/callback" || path == "/api/injects/execution/callback/"+e)
}

// sameHostNoDowngrade reports whether u is on the host of the base URL
// from (its name, any port), with from's scheme or http to https.
func sameHostNoDowngrade(from string, u *url.URL) bool {
	f, err := url.Parse(strings.TrimSpace(from))
	if err != nil || !strings.EqualFold(f.Hostname(), u.Hostname()) {
		return false
	}
	fs, us := strings.ToLower(f.Scheme), strings.ToLower(u.Scheme)
	return fs == us || fs == "http" && us == "https"
}

// permanentRedirect returns where err's backend moved for good (a 301 or
// 308 answer's Location, "" when it named none), and whether it did.
func permanentRedirect(err error) (string, bool) {
	var he *httpx.HTTPError
	if !errors.As(err, &he) || !httpx.PermanentRedirect(he.Status) {
		return "", false
	}
	return he.Location, true
}

// moveCommand is the `outbox move` subcommand; action runs it on the
// outbox (see outboxCommand).
func moveCommand(o Options, action func(string, outboxCommandConfig, func(*ucli.Context, *outboxEnv) error) ucli.ActionFunc) *ucli.Command {
	move := &outboxMoveConfig{}
	return &ucli.Command{
		Name:  "move",
		Usage: "give the bodies stored for a backend that moved (a 301 or 308, a renamed host), pending and dead, its new base URL: a flush with that --backend-url sends them (not those a live process is sending)",
		Description: "Each body goes only to the backend it was stored for, with that backend's token: a flush with the new\n" +
			"--backend-url leaves the bodies of the old one pending. move rewrites their base URL, in one\n" +
			"transaction, keeping everything else (path, profile, attempts, state) but when a pending body is due:\n" +
			"now, the backoff it waited being the old URL's (its attempts are kept, for the record); nothing is\n" +
			"sent: a flush with --backend-url --to sends them at once, a running serve's resender at its next\n" +
			"pass, within 5 min. The records\n" +
			"of its incomplete sends (chunks never stored) move with them: the flush to --to reports that loss.\n\n" +
			"EXIT CODES:\n" +
			"   0  every body stored for --from now has --to as its base URL\n" +
			"   1  no body is stored for --from (the error lists the backends the outbox holds), or some were not\n" +
			"      moved: another live process is sending them, or still storing a send of them (move again once\n" +
			"      it is done), or a record is corrupt, its URL no longer under its base URL (damaged on disk: the\n" +
			"      others are moved, it is left for drop)\n" +
			"   2  invalid usage (a URL refused, --to the backend of --from, or a --to copied from an output that\n" +
			"      withheld a secret of it: give the URL in full), or an outbox corrupt, locked or not writable\n" +
			"      (a full disk): nothing changed",
		Flags:  outboxFlags(o, move, ""),
		Action: action("move", move, func(c *ucli.Context, e *outboxEnv) error { return moveOutbox(c.Context, o, e) }),
	}
}
