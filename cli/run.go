package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	goruntime "runtime"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

func runCommand(o Options) *ucli.Command {
	return &ucli.Command{
		Name:      "run",
		Usage:     "run one inject and deliver (or print) its expectation signatures",
		ArgsUsage: "<injector>",
		Description: "Runs the injector on the targets, then POSTs the signatures to --backend-url,\n" +
			"or prints each body that would have been POSTed to stdout (one JSON document per line).\n" +
			"On a terminal, stdout gets a summary instead (each target's status and findings, then where the\n" +
			"signatures went; -o json for the JSON, --output text for the summary anywhere), and stderr a\n" +
			"progress line. A target may be a CIDR range (one target per address, at most --max-targets);\n" +
			"--query and --cloud-* give external and cloud targets. A bare number is seconds (--timeout 300).\n\n" +
			"--profile openaev reports through the OpenAEV platform's own calls instead: reception, an INFO trace,\n" +
			"then one terminal callback with the findings and the expectation signatures.\n" +
			"--openaev-message FILE runs one captured platform message with the injector its contract id names\n" +
			"(naming another injector exits 2). Both read the platform's version first (--openaev-version gives it);\n" +
			"and the inject: one the platform made with another injector's contract exits 2.\n\n" + exitHelp,
		Flags: withShort(flagsOf(o.name(), reflect.TypeFor[runConfig](), nil), "output", "o"),
		Action: func(c *ucli.Context) error {
			return runAction(c, o)
		},
	}
}

// startRun is how run and validate begin, alike: one injector name at
// most, the configuration loaded (its error redacted of the secrets as
// given, see redactGiven), the logger and the abort's JSON lines on the stderr that
// stderrOf picks for that configuration, redacted of its secrets, and the
// stray environment warned of. The caller redacts what it returns of
// secrets and syncs log.
func startRun(c *ucli.Context, o Options, stderrOf func(runConfig) io.Writer) (cfg runConfig, secrets []string, log *zap.Logger, err error) {
	if c.NArg() > 1 {
		return cfg, nil, nil, argsError(c, o, c.Command.Name, "one injector name")
	}
	ms := o.injectors().manifests()
	cfg, err = loadRunConfig(c, o, ms)
	if err != nil {
		return cfg, nil, nil, redactGiven(c, o, &cfg, err)
	}
	secrets = everySecret(c, o, &cfg, secretValues(cfg.Backend, cfg.injectors, ms)...)
	stderr := stderrOf(cfg)
	log, err = newLogger(redacting(stderr, secrets), cfg.Log)
	if err != nil {
		return cfg, secrets, nil, redactGiven(c, o, &cfg, err, secrets...)
	}
	o.Abort.logJSON(redacting(stderr, secrets), cfg.Log)
	o.Abort.noticesThrough(stderr)
	cfg.warnStrayEnv(log, o.name())
	return cfg, secrets, log, nil
}

func runAction(c *ucli.Context, o Options) (err error) {
	heap := collectLess(os.Getenv) // the heap floor serve holds: a short run collects less
	defer heap.release()
	var cfg runConfig
	defer func() { err = jsonExit(c, o, cfg.Log.Format, err) }() // its exit line as its log lines
	var view *runView
	cfg, secrets, log, err := startRun(c, o, func(cfg runConfig) io.Writer {
		view = newRunView(o, cfg)
		return view.stderr()
	})
	if err != nil {
		return err
	}
	cfg.heap = heap
	defer func() { err = redactGiven(c, o, &cfg, err, secrets...) }()
	defer func() { _ = log.Sync() }()
	view.redact = logRedaction(secrets)

	if cfg.OpenAEVMessage != "" {
		return runOpenAEVMessage(c, o, cfg, log, view)
	}
	cr, err := checkRun(c.Context, o, &cfg, log, c.Args().First())
	if err != nil {
		if pr := (*paramRefusal)(nil); errors.As(err, &pr) {
			return rejectParam(c.Context, o, &cfg, log, cr.req, pr)
		}
		return err
	}
	cr.req.NameRejection = cfg.writtenParams
	req, targets := cr.req, cr.targets
	if err := cr.refused(c.Context, o, cfg, log); err != nil {
		return err
	}
	view.checked = true
	if cfg.openAEV() {
		return relabelUsage(&cfg, targets, runOpenAEVRequest(c, o, cfg, log, view, req))
	}
	store, err := openRunOutbox(c.Context, cfg, o, log)
	if err != nil {
		return err
	}
	if store != nil {
		defer closeOutbox(log, store)
	}
	deliverer, err := newDeliverer(context.WithoutCancel(c.Context), cfg, o, log, store, view)
	if err != nil {
		return err
	}
	opts := append(view.runtimeOptions(), runtime.WithDeliverer(deliverer))
	settle(targets, heap)
	_, err = newRuntime(o, cfg.injectors, log, opts...).Run(c.Context, req)
	var re *runtime.RequestError
	if errors.As(err, &re) {
		return &ExitError{Code: ExitUsage, Err: cfg.relabel(targets.relabel(err)), Hint: cfg.categoryHint(err)}
	}
	return view.finish(log, err, func(err error) error { return deliveryExit(o, &cfg, err, view.dump) })
}

// settleAbove is the number of targets from which run collects the heap
// before the inject runs (settle): 64 Ki targets, 8 MB of list at least,
// where a collection costs a few milliseconds of a run of a second.
const settleAbove = 1 << 16

// settle collects the heap before a run over a long list (settleAbove
// targets or more). What reading the targets left is garbage by then, and
// what is live, the list, is what the run holds to its end: the
// collector's next goal is twice that, wherever the read's own
// collections fell. Left to them, the first collection could fall in the
// run while the executor's copy of the targets was live (64 MB at 1M), and
// its goal let the delivery grow the heap that much higher (W1 at 1M,
// outbox on: 367 MB peak instead of 292–297). From then on the heap may
// grow sendHeadroom past the live heap (heap lifted): the send's bodies in
// flight, live until posted, are not collected for nothing (see
// sendHeadroom).
func settle(targets *targetList, heap *heapHold) {
	if targets != nil && targets.len() >= settleAbove {
		heap.lift()
		goruntime.GC()
	}
}

// relabelUsage names, in a usage error about targets[N], a param or a
// setting, where the user wrote it.
func relabelUsage(cfg *runConfig, targets *targetList, err error) error {
	var ee *ExitError
	var rk *rejectionKept
	switch {
	case errors.As(err, &ee) && errors.As(ee.Err, &rk):
		// Its refusal alone: what follows says where its callback waits.
		rk.refused = cfg.relabel(targets.relabel(rk.refused))
		if ee.Hint == "" {
			ee.Hint = cfg.categoryHint(rk.refused)
		}
	case errors.As(err, &ee) && ee.Code == ExitUsage && ee.Err != nil:
		ee.Err = cfg.relabel(targets.relabel(ee.Err))
		if ee.Hint == "" {
			ee.Hint = cfg.categoryHint(ee.Err)
		}
	}
	return err
}

// categoryHint tells how to give the targets an injector takes, when err
// says it takes another category or that no target was given (naming the
// injector's category when it has one: every way to give a target when
// not), and which setting made the targets of the other category when the
// environment or the config file set it (a variable left over from an
// earlier run).
func (c *runConfig) categoryHint(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	hint := ""
	switch {
	case strings.Contains(msg, "takes cloud targets"):
		hint = "give cloud targets with --cloud-provider, --cloud-account and --cloud-region (repeatable), or in --inject-file"
	case strings.Contains(msg, "takes external targets"):
		hint = "give external targets with --query (repeatable; a --target narrows each query), or in --inject-file"
	case strings.Contains(msg, "takes network targets"):
		hint = "give network targets with --target (an address, a host name or a CIDR range) or --targets-file, or in --inject-file"
	case strings.Contains(msg, "at least one target is required"):
		return "give targets with --target or --targets-file (network), --query (external), " +
			"--cloud-provider, --cloud-account and --cloud-region (cloud), or in --inject-file"
	default:
		return ""
	}
	if given := c.given(false, append(cloudKeys, "query")...); given != "" {
		hint = "the targets come from " + given + "; " + hint
	}
	return hint
}

// deliveryExit maps the outcome of a delivery to an exit code and one line
// for humans: the bodies kept in the outbox, or, without an outbox, the
// error, with what was not delivered printed to stderr by dump (see
// runView.dump) so that it is never lost silently.
func deliveryExit(o Options, cfg *runConfig, err error, dump func(*runtime.Report, error)) error {
	if err == nil {
		return nil
	}
	code := ExitDelivery
	if o.Abort.Fired() {
		// A second interrupt stopped the send: every body not delivered
		// is in the outbox, or printed below.
		code = ExitInterrupted
	}
	var de *runtime.DeliveryError
	switch {
	case errors.As(err, &de) && de.Stored+de.Dead > 0:
		return &ExitError{Code: code, Err: storedMessage(o, de, cfg), Hint: storedHint(o, cfg, err, de)}
	case errors.As(err, &de) && de.Report != nil:
		dump(de.Report, err)
	}
	if code == ExitInterrupted {
		err = fmt.Errorf("sending stopped by a second interrupt: %w", err)
	}
	return &ExitError{Code: code, Err: err, Hint: joinHints(routeHint(err), cfg.deliveryURLHint(err), cfg.tooLargeHint(err, false))}
}

// storedHint is the hint of a delivery whose bodies were kept (de): what
// to fix first (the route, a backend moved), then the token the command
// printed needs.
func storedHint(o Options, cfg *runConfig, err error, de *runtime.DeliveryError) string {
	hint := joinHints(routeHint(err), routeKeptHint(err, de.Dead), cfg.deliveryURLHint(err), notHeldKeptHint(err, de.Dead),
		cfg.tooLargeHint(err, true), keptAtLongWaitHint(err))
	if de.Dead > 0 && routeHint(err) == "" {
		// routeHint says what a 405 to the callback profile's route
		// means; a flush or retry-dead, which does not, says this one.
		hint = joinHints(hint, refusedHint(err, "<id>"))
	}
	if moved, ok := permanentRedirect(err); ok {
		// Fixing --backend-url leaves the bodies stored for the old
		// one: they are moved to the new one by hand.
		hint = movedHint(o.name(), cfg.Outbox.Path, cfg.Backend.URL, moved, deliveredInject(de), cfg.redaction(o.injectors().manifests()))
	}
	if th := cfg.tokenHint(de); th != "" {
		hint = strings.TrimPrefix(hint+"; "+th, "; ")
	}
	return hint
}

// storedMessage is the one line `run` prints when bodies were kept (the
// rejection callback of an inject refused, see rejectionExit), with
// the commands that resend them (see runConfig.outboxCommand), each
// counted as what it is: the callback profile's signature bodies, the
// openaev profile's terminal callback bodies (its complete, which carries
// signatures only on a platform that takes them, and its data
// callbacks). A token the backend refused (401, 403) is said first, or
// the backend URL's user:password when it went without a token: the
// bodies wait for the right one. Bodies in the dead list are said with
// what the backend answered (refusedAnswer), redacted of the run's
// secrets.
func storedMessage(o Options, de *runtime.DeliveryError, cfg *runConfig) error {
	name := o.name()
	head, flush, what := "delivery failed; ", "flush with: ", bodies
	switch {
	case de.Rejection != nil:
		// The one body of an inject refused, which carries no signatures.
		what = func(int) string { return "its rejection callback" }
	case cfg.openAEV():
		what = terminalBodies
	}
	switch {
	case errors.Is(de, outbox.ErrAborted):
		head = "sending stopped by a second interrupt; "
	case outbox.TokenRefused(de):
		refused, fix := refusedCredentials(cfg.Backend)
		head, flush = "delivery failed: "+refused+"; ", "flush with "+fix+": "
	case proxyRefused(de):
		head = "delivery failed: the proxy refused its credentials (407), the backend was not reached; "
		flush = "flush once HTTPS_PROXY or HTTP_PROXY holds the proxy's credentials: "
	}
	var parts []string
	if de.Stored > 0 {
		parts = append(parts, fmt.Sprintf("%s stored in outbox %s (%s%s)",
			what(de.Stored), de.Outbox, flush, cfg.outboxCommand(name, "flush", true)))
	}
	if de.Dead > 0 {
		answered := ""
		if a := refusedAnswer(de, cfg.redaction(o.injectors().manifests())); a != "" {
			answered = " (" + a + ")"
		}
		parts = append(parts, fmt.Sprintf("%s rejected by the backend%s, kept in the dead list of outbox %s (see: %s; resend with: %s)",
			what(de.Dead), answered, de.Outbox, cfg.outboxCommand(name, "list", false), cfg.outboxCommand(name, "retry-dead <id>", true)))
	}
	return errors.New(head + strings.Join(parts, "; "))
}

// proxyRefused reports whether err is a proxy's 407 (httpx.ProxyRefused).
func proxyRefused(err error) bool {
	var he *httpx.HTTPError
	return errors.As(err, &he) && httpx.ProxyRefused(he.Status)
}

// terminalBodies counts n bodies of the openaev profile's terminal
// callback.
func terminalBodies(n int) string {
	if n == 1 {
		return "1 terminal callback body"
	}
	return strconv.Itoa(n) + " terminal callback bodies"
}

// deliveredInject returns the id of the inject whose bodies de failed to
// deliver: the request's, which --inject-file alone may give.
func deliveredInject(de *runtime.DeliveryError) string {
	switch {
	case de.Report != nil:
		return de.Report.InjectID
	case de.Rejection != nil:
		return de.Rejection.Request.InjectID
	}
	return ""
}

// routeHint suggests the openaev profile when the backend has no route
// for the callback profile's POST /api/injects/{id}/callback (404, or 405
// as an OpenAEV platform answers it): the backend is most likely an
// OpenAEV platform. Not for a 404 saying the backend does not hold the
// inject (callbackNotHeld): that backend has the route.
func routeHint(err error) string {
	var te *transport.TransmissionError
	if !errors.As(err, &te) || (te.Status != http.StatusNotFound && te.Status != http.StatusMethodNotAllowed) || callbackNotHeld(err) {
		return ""
	}
	return fmt.Sprintf("the backend answered %d to POST /api/injects/{id}/callback, the callback profile's route; "+
		"for an OpenAEV platform, run with --profile %s", te.Status, ProfileOpenAEV)
}

// routeKeptHint follows routeHint when the run kept dead bodies (dead):
// they are the callback profile's, which an OpenAEV platform answers with
// the same status whatever the token or the time, so that retry-dead
// cannot deliver them there; the inject is run again with the openaev
// profile (the platform never received it: the callback profile sends no
// reception) and the dead bodies dropped. "" when routeHint is.
func routeKeptHint(err error, dead int) string {
	var te *transport.TransmissionError
	if dead == 0 || routeHint(err) == "" || !errors.As(err, &te) {
		return ""
	}
	return fmt.Sprintf("there, the %s kept in the dead list, in the callback profile's format, would be answered %d again by retry-dead: "+
		"once the inject ran with that profile, remove %s with outbox drop <id>", plural(dead, "body", "bodies"), te.Status, plural(dead, "it", "them"))
}

// newRuntime returns the runtime of `run` and `serve` over the
// configuration: its logger, signatures manager and injector settings.
func newRuntime(o Options, settings injectorSettings, log *zap.Logger, opts ...runtime.Option) *runtime.Runtime {
	resolver := signatures.DefaultResolver()
	resolver.Getenv = o.Getenv
	if o.lookupHost != nil {
		resolver.LookupHost = o.lookupHost
	}
	return runtime.New(o.Registry, append([]runtime.Option{
		runtime.WithLogger(log),
		runtime.WithSignatures(signatures.NewManager(signatures.WithLogger(log), signatures.WithResolver(resolver))),
		runtime.WithSettings(func(name string) map[string]string { return settings[name] }),
		// The backend token's variable: no child process an executor
		// starts inherits it (framework.Inject.ChildEnv).
		runtime.WithSecretEnv(envPrefix + "TOKEN"),
	}, opts...)...)
}

// repeated is a repeatable string flag whose values are kept whole: a
// param value may hold commas (ports=22,80), which urfave/cli's slice flags
// would split.
type repeated struct{ values []string }

func (r *repeated) Set(v string) error { r.values = append(r.values, v); return nil }
func (r *repeated) String() string     { return strings.Join(r.values, " ") }
