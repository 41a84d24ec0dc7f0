package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Sending what the outbox keeps: the posters of both wire profiles, flush
// and retry-dead.

// A token is bound to its backend: flush and retry-dead send a stored body
// only when its base URL is the backend the configuration names
// (--backend-url, INJECTKIT_BACKEND_URL or backend_url; else serve's
// openaev_url, INJECTKIT_OPENAEV_URL), with that configuration's token. Bodies of other
// backends stay pending. The token itself is the one of that URL's layer
// (token_binding.go): another backend's is refused before anything is
// sent.

// sameBackend reports whether a stored base URL is the configured backend:
// the same URL once credentials and trailing slashes are dropped, the
// scheme and host compared without regard to case (HTTP://H and http://h
// are one backend), a scheme's default port the same as none (http://h:80
// and http://h, https://h:443 and https://h) and an IP address in any of
// its spellings ([0:0:0:0:0:0:0:1] and [::1]).
func sameBackend(stored, configured string) bool {
	return configured != "" && backendKey(stored) == backendKey(configured)
}

// backendKey is the backend a URL names, as sameBackend compares it.
func backendKey(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return strings.TrimRight(httpx.StripCredentials(s), "/")
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.String()
	}
	if n, err := strconv.ParseUint(port, 10, 16); err == nil {
		port = strconv.FormatUint(n, 10)
	}
	switch {
	case port == "" && scheme == "http":
		port = "80"
	case port == "" && scheme == "https":
		port = "443"
	}
	key := scheme + "://" + net.JoinHostPort(host, port) + strings.TrimRight(u.EscapedPath(), "/")
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	return key
}

// otherBackends writes one line per backend whose pending bodies before
// counted this flush leaves alone, and returns how many bodies that is, by
// profile (each line counts them so: see profileCounts); then one line
// per backend whose bodies another live process was sending (another
// flush of that backend, say), which it counts in sending: they are not
// left pending, nor for a flush by hand.
func (e *outboxEnv) otherBackends(w io.Writer, before listing, configured string) (left profileCounts, sending int) {
	order, pending := before.pendingElsewhere(configured)
	why := e.notTheBackend(configured)
	for _, base := range order {
		left[0] += pending[base][0]
		left[1] += pending[base][1]
		fmt.Fprintf(w, "%s for %s left pending: %s (flush it with --backend-url %s and its token, given by %s)\n",
			pending[base], base, why, base, tokenSources)
	}
	order, busy := before.sendingElsewhere(configured)
	for _, base := range order {
		n := busy[base].total()
		sending += n
		fmt.Fprintf(w, "%s for %s being sent by another process (%s): that process delivers %s, or leaves %s pending\n",
			busy[base], base, why, plural(n, "it", "them"), plural(n, "it", "them"))
	}
	return left, sending
}

// serveKept writes one line to w for each platform, tenant and injector
// of the pending terminal callbacks before counted that a daemon reached
// with a tenant kept (see openaev.Tenant): a flush does not send them, the
// injectkit serve with that tenant and injector id does
// (openaev.Profile.Owns). It returns how many there are, and how many
// lines it wrote.
func (e *outboxEnv) serveKept(w io.Writer, before listing) serveLeft {
	n := serveLeft{lines: len(before.kept)}
	for _, p := range before.kept {
		n.bodies += p.n
		it := "it"
		if p.n > 1 {
			it = "them"
		}
		fmt.Fprintf(w, "%s for %s (tenant %s) left pending: a flush does not send a tenant's callbacks; the injectkit serve that stored %s resends %s (--openaev-url %s --tenant %s%s)\n",
			terminalBodies(p.n), p.base, p.tenant, it, it, p.base, p.tenant, injectorFlag(p.injector))
	}
	return n
}

// serveLeft counts the bodies a flush leaves to injectkit serve, and the
// lines saying so (see serveKept).
type serveLeft struct{ bodies, lines int }

// injectorFlag is the --injector-id of the serve that resends a tenant's
// terminal callback kept for injector id (" --injector-id ID"): another
// injector's serve leaves it alone. "" for a record stored before ids
// were kept, which any of them resends.
func injectorFlag(id string) string {
	if id == "" {
		return ""
	}
	return " --injector-id " + id
}

// notTheBackend says why a body stored for another backend than the
// configured one is not sent: "not the backend of --backend-url URL"
// (naming where the URL was given), or "no --backend-url given".
func (e *outboxEnv) notTheBackend(configured string) string {
	if configured == "" {
		return "no --backend-url given"
	}
	shown := httpx.StripCredentials(strings.TrimSpace(configured))
	if sc, ok := e.cfg.(*outboxSendConfig); ok {
		return "not the backend of " + sc.backendGiven() + " " + shown
	}
	return "not the backend of --backend-url " + shown
}

// callbackPoster is the callback client for a base URL, with the
// credentials of the configured URL when it is that backend.
func (e *outboxEnv) callbackPoster(o Options) func(string) (outbox.Poster, error) {
	return func(base string) (outbox.Poster, error) {
		return newClient(e.cfg.backend(), o, e.log, withCredentials(base, e.cfg.backend().URL), 0)
	}
}

// withCredentials returns the stored base URL with the user information
// of the configured one, which the outbox does not keep (the user gives
// the URL again with its credentials), when both name one backend
// (sameBackend); another backend's base is returned as it is, so
// credentials never reach a backend they were not given for.
func withCredentials(stored, configured string) string {
	if !sameBackend(stored, configured) {
		return stored
	}
	c, err := url.Parse(strings.TrimSpace(configured))
	if err != nil || c.User == nil {
		return stored
	}
	s, err := url.Parse(stored)
	if err != nil {
		return stored
	}
	s.User = c.User
	return s.String()
}

// openaevPoster is the openaev profile resending the terminal callbacks
// stored for a base URL as serve's resender does: a stored "complete" of
// an inject the platform shows finished (a later run completed it) is
// superseded, not sent, which the platform would refuse (409 on a legacy
// platform) or take as a second completion; the signatures it carries
// are sent as a "data" callback instead.
func (e *outboxEnv) openaevPoster(o Options) func(string) (outbox.Poster, error) {
	return func(base string) (outbox.Poster, error) {
		bc := e.cfg.backend()
		bc.URL = base
		hc, err := backendHTTPClient(bc, e.log)
		if err != nil {
			return nil, err
		}
		client, err := openaev.NewClient(openaev.Config{URL: base, Token: e.cfg.backend().Token},
			openaev.WithLogger(e.log), openaev.WithProduct(o.product(), o.version()), openaev.WithHTTPClient(hc), o.openaevRetry())
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		// The notes of the completes sent say when one was attempted
		// without an answer: within its ingestion window, not sent again.
		// A complete this flush delivers or attempts is noted with the
		// window given, for a run of its inject within it.
		window := openaev.DefaultIngestWindow
		if sc, ok := e.cfg.(*outboxSendConfig); ok {
			window = sc.IngestWindow
		}
		return openaev.ResendPoster{Profile: openaev.NewProfile(client, nil, e.log, openaev.WithIngestWindow(window),
			openaev.WithCompleteStore(e.store), openaev.WithClock(o.now))}, nil
	}
}

func retryDead(c *ucli.Context, o Options, e *outboxEnv) error {
	given, err := parseID(c, o, false)
	if err != nil {
		return err
	}
	id := given.n
	was, werr := e.store.Get(id) // as it is in the dead list, to put back there on a refused token
	if werr == nil && was.State == outbox.Dead && !was.Corrupt() && flushes(was) && !sameBackend(was.BaseURL, e.cfg.backend().URL) {
		// Each body goes only to its own backend, with its token: another
		// backend's is left as it is, as a flush leaves its bodies.
		shown := httpx.StripCredentials(was.BaseURL)
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%d (inject %s) not retried, still in the dead list: it belongs to %s, %s (retry it with its token, given by %s: %s outbox retry-dead %d --outbox %s --backend-url %s)",
			id, was.InjectID, shown, e.notTheBackend(e.cfg.backend().URL), tokenSources, o.name(), id, shellWord(e.store.Path()), shellWord(shown))}
	}
	back, err := e.store.RetryDead(id)
	switch {
	case err != nil && outbox.NotWritable(err):
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; nothing sent: %d stays in the dead list as it was (%s, then retry it again)", err, id, roomFix(err))}
	case err != nil:
		return idError(given, e.store, err)
	}
	poster := e.callbackPoster(o)
	switch {
	case (back.Profile == "" || openaev.Untenanted(back)) && !sameBackend(back.BaseURL, e.cfg.backend().URL):
		// Pending again, not sent: exit 1, as a flush that leaves bodies.
		shown := httpx.StripCredentials(back.BaseURL)
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("%d (inject %s) moved back to pending, not sent: it belongs to %s (send it with its token: %s outbox flush --outbox %s --backend-url %s)",
			id, back.InjectID, shown, o.name(), shellWord(e.store.Path()), shellWord(shown))}
	case back.Profile == "":
	case openaev.Untenanted(back):
		poster = e.openaevPoster(o)
	default:
		fmt.Fprintf(o.Stdout, "%d (inject %s, %s profile) moved back to pending: the daemon keeping it (injectkit serve) resends it\n",
			id, back.InjectID, back.Profile)
		return nil
	}
	warnNoToken(e.log, e.cfg.backend())
	warnAPIRoute(e.log, e.cfg.backend().URL, e.cfg.source("backend_url"))
	r, ok, err := e.store.Claim(id)
	switch {
	case err != nil:
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("body %d moved back to pending but not sent: %w", id, err)}
	case !ok:
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("body %d moved back to pending but not sent: another process is sending it", id)}
	}
	p, err := poster(r.BaseURL)
	if err != nil {
		return err
	}
	// A Retry-After past the client's cap ends its attempts: the body
	// stays pending, due when the backend asked, as a flush leaves it.
	ctx := httpx.WithLongWaitEnds(c.Context)
	var out outbox.Outcome
	if werr == nil {
		out, err = e.store.SendRetried(ctx, p, r, was)
	} else {
		out, err = e.store.Send(ctx, p, r, 0)
	}
	if out == outbox.Failed && c.Context.Err() != nil {
		return e.retryInterrupted(c, o, r, p, err)
	}
	if out == outbox.Failed && outbox.NotNoted(err) {
		return e.retryUnnoted(o, r, err)
	}
	refused, fix := refusedCredentials(e.cfg.backend())
	if werr == nil && out == outbox.Failed && outbox.TokenRefused(err) && errors.Is(err, outbox.ErrTakenMeanwhile) {
		fmt.Fprintf(o.Stdout, "%d (inject %s chunk %d/%d): token refused, and another process took it meanwhile\n", id, r.InjectID, r.ChunkIndex, r.TotalChunks)
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("retry-dead incomplete: %s: %w", refused, err)}
	}
	if werr == nil && out == outbox.Failed && outbox.TokenRefused(err) {
		fmt.Fprintf(o.Stdout, "%d (inject %s chunk %d/%d): token refused, dead as it was\n", id, r.InjectID, r.ChunkIndex, r.TotalChunks)
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("retry-dead incomplete: %s: %d (inject %s) stays in the dead list as it was, %s (retry it with %s): %w",
			refused, id, r.InjectID, nextAttempt(e.store, was, time.Now()), fix, err)}
	}
	said := out.String()
	if out == outbox.SupersededSent {
		said = "superseded, its signatures sent as data"
	}
	fmt.Fprintf(o.Stdout, "%d (inject %s chunk %d/%d): %s\n", id, r.InjectID, r.ChunkIndex, r.TotalChunks, said)
	if out == outbox.Failed {
		// Out of the dead list, kept pending: the error says so, when it
		// is due, and the flush that sends it (or serve's resender, for
		// the bodies it stored), as an interrupted retry says.
		now, shown := time.Now(), httpx.StripCredentials(r.BaseURL)
		if back, gerr := e.store.Get(r.ID); gerr == nil {
			err = fmt.Errorf("retry-dead incomplete: %d (inject %s) stays pending, out of the dead list, next try %s (send it with: %s outbox flush --outbox %s --backend-url %s): %w",
				r.ID, r.InjectID, nextAttempt(e.store, back, now), o.name(), shellWord(e.store.Path()), shellWord(shown), err)
		}
	}
	if out != outbox.Delivered && out != outbox.Superseded && out != outbox.SupersededSent {
		return &ExitError{Code: ExitDelivery, Err: err, Hint: joinHints(e.notFoundHint(err, 0), e.tooLargeHint(err), refusedHint(err, strconv.FormatUint(r.ID, 10)))}
	}
	return nil
}

// retryInterrupted is the exit of a retry-dead whose send of r, through
// p, the first interrupt cut short (err is the send's error): the body
// stays pending, its state saying the attempt was cut short (the backend
// may have received it), or, not sent at all, as it was; exit 130.
func (e *outboxEnv) retryInterrupted(c *ucli.Context, o Options, r outbox.Record, p outbox.Poster, err error) error {
	state := "not sent"
	if last := e.store.NoteInterrupted(r, p, err); last != nil {
		state = last.Error()
	}
	fmt.Fprintf(o.Stdout, "%d (inject %s chunk %d/%d): interrupted, pending\n", r.ID, r.InjectID, r.ChunkIndex, r.TotalChunks)
	shown := httpx.StripCredentials(r.BaseURL)
	return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("retry interrupted (%w): %d (inject %s) stays pending: %s (send it with: %s outbox flush --outbox %s --backend-url %s)",
		context.Cause(c.Context), r.ID, r.InjectID, state, o.name(), shellWord(e.store.Path()), shellWord(shown))}
}

// retryUnnoted is the exit of a retry-dead that sent nothing because the
// attempt of r could not be noted beside the outbox (a full disk, err
// says): 2, as a flush's, the outbox unusable; the body stays dead as it
// was, or pending when it could not be put back there.
func (e *outboxEnv) retryUnnoted(o Options, r outbox.Record, err error) error {
	state, again := "stays in the dead list as it was", "retry it again"
	if now, gerr := e.store.Get(r.ID); gerr != nil || now.State != outbox.Dead {
		state, again = "is pending", "flush again"
	}
	fmt.Fprintf(o.Stdout, "%d (inject %s chunk %d/%d): not sent\n", r.ID, r.InjectID, r.ChunkIndex, r.TotalChunks)
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; nothing was sent, %d (inject %s) %s (%s, then %s)", err, r.ID, r.InjectID, state, roomFix(err), again)}
}
