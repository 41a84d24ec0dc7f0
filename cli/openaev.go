package cli

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Wire profiles of `injectkit run`.
const (
	ProfileCallback = "callback" // one POST /api/injects/{id}/callback (default)
	ProfileOpenAEV  = "openaev"  // reception, trace and terminal callback
)

// newOpenAEVClient returns the client of the backend, or one printing each
// request to stdout when no backend URL is set (nowhere when view prints
// the summary). The platform's version is read first (once):
// --openaev-version, else the platform's answer, else (a dry run) the
// current line. The platformWait (nil for a dry run) names the request to
// the platform an interrupt cut short.
func newOpenAEVClient(ctx context.Context, o Options, cfg runConfig, log *zap.Logger, view *runView) (*openaev.Client, *platformWait, error) {
	opts := append(cfg.OpenAEVVersion.options(), openaev.WithLogger(log), openaev.WithProduct(o.product(), o.version()),
		openaev.WithSecrets(secretValues(cfg.Backend, cfg.injectors, o.injectors().manifests())...), o.openaevRetry())
	var wait *platformWait
	if cfg.Backend.URL == "" {
		opts = append(opts, openaev.WithDryRun(view.stdout()))
	} else {
		hc, err := backendHTTPClient(cfg.Backend, log)
		if err != nil {
			return nil, nil, err
		}
		wait = watchPlatform(hc)
		// A platform found unreachable costs the run one retry budget, not
		// one a request.
		opts = append(opts, openaev.WithHTTPClient(hc), openaev.WithUnreachableOnce())
		if w := view.echo(); w != nil {
			opts = append(opts, openaev.WithEcho(w))
		}
	}
	client, err := openaev.NewClient(openaev.Config{URL: cfg.Backend.URL, Token: cfg.Backend.Token}, opts...)
	if err != nil {
		return nil, nil, &ExitError{Code: ExitUsage, Err: urlNamed(err, "backend_url")}
	}
	v, err := client.CheckVersion(ctx)
	if err != nil {
		return nil, nil, err // the token refused (see tokenRefused)
	}
	view.setPlatform(v)
	return client, wait, nil
}

// newOpenAEVProcessor returns a processor over client, its terminal
// callbacks kept in store when there is one. --timeout is the deadline of
// every inject it runs, a platform message's included (as serve's).
func newOpenAEVProcessor(ctx context.Context, o Options, cfg runConfig, log *zap.Logger, client *openaev.Client, store *outbox.Store, view *runView) *openaev.Processor {
	popts := []openaev.ProfileOption{openaev.WithMaxPayloadSize(int64(cfg.MaxPayloadSize)), openaev.WithIngestWindow(cfg.IngestWindow),
		openaev.WithClock(o.now)}
	if store != nil {
		popts = append(popts, openaev.WithCompleteStore(store))
	}
	profile := openaev.NewProfile(client, o.injectors().manifests(), log, popts...)
	view.dumpWith(profile, dumpOf(ctx, profile.Undelivered))
	rt := newRuntime(o, cfg.injectors, log, append(view.runtimeOptions(),
		runtime.WithDeliverer(durable(profile, store, log, o.Abort)),
		runtime.WithTimeout(cfg.Execution.Timeout))...) // 0 (unset): the runtime's default
	p := openaev.NewProcessor(rt, profile)
	p.MaxTargets = cfg.MaxTargets
	p.Program = o.name()
	return p
}

// backendHTTPClient builds the HTTP client of the openaev profile for the
// platform at bc.URL: TLS 1.2 at least, the CA file added to the system
// roots, verification off only when asked (and logged: a WARN, or, the
// URL plain http://, an INFO line saying it has no effect), no redirects
// followed.
func backendHTTPClient(bc backendConfig, log *zap.Logger) (*http.Client, error) {
	hc, err := httpx.NewClient(httpx.TLS{CAFile: bc.CAFile, CAPEM: bc.caPEM, Insecure: bc.Insecure, Hint: httpx.CAFileHint, URL: bc.URL}, log)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: &signatures.ValidationError{Field: "ca_file", Value: bc.CAFile, Reason: httpx.FileCause(err).Error(), Err: err}}
	}
	return hc, nil
}

// runOpenAEVRequest runs one inject with the openaev profile, its
// refusals named as req names them (runtime.Request.NameRejection: as the
// command line wrote them).
func runOpenAEVRequest(c *ucli.Context, o Options, cfg runConfig, log *zap.Logger, view *runView, req runtime.Request) error {
	// An id no call can carry (one the platform's HTTP firewall refuses
	// in a path) is refused before the platform is asked anything.
	if err := openaev.CheckInjectID(req.InjectID); err != nil {
		return &ExitError{Code: ExitUsage, Err: cfg.named(err)}
	}
	return withOpenAEVProcessor(c, o, cfg, log, view, req.InjectID, req.Injector, func(p *openaev.Processor) error {
		return refusedRequest(p.RunRequest(c.Context, req))
	})
}

// requestRefused is the refusal of a request of the command line (flags,
// an inject file), its INVALID_USAGE delivered: it says what was refused
// alone, never "invalid message for inject …" (no platform message is
// involved). It unwraps to the *openaev.MessageError.
type requestRefused struct{ me *openaev.MessageError }

func (e *requestRefused) Error() string { return e.me.Err.Error() }
func (e *requestRefused) Unwrap() error { return e.me }

// refusedRequest returns err, a refusal of the request, as a
// requestRefused (see onRefusal); any other error unchanged.
func refusedRequest(err error) error {
	return onRefusal(err, func(err error) error {
		var me *openaev.MessageError
		if errors.As(err, &me) && !me.Reception && me.Err != nil {
			return &requestRefused{me: me}
		}
		return err
	})
}

// onRefusal returns err with its refusal rewritten by rewrite: err itself,
// or, when the refusal's rejection callback was not delivered (a
// *runtime.DeliveryError), the rejection's cause, which rejectionExit
// prints as it reads when that callback is delivered.
func onRefusal(err error, rewrite func(error) error) error {
	var de *runtime.DeliveryError
	if errors.As(err, &de) && de.Rejection != nil {
		rej := *de.Rejection
		rej.Err = rewrite(rej.Err)
		de.Rejection = &rej
		return err
	}
	return rewrite(err)
}

// withOpenAEVProcessor runs fn, the run of inject injectID by injector
// ("" when unknown), with a processor over the configuration, its
// terminal callbacks kept in the outbox of `run`, and maps its outcome to
// an exit code. An inject the platform reports finished, or made with
// another injector's contract, is not run (see unfinished), and its
// refusal opens no outbox.
func withOpenAEVProcessor(c *ucli.Context, o Options, cfg runConfig, log *zap.Logger, view *runView, injectID, injector string, fn func(*openaev.Processor) error) error {
	client, wait, err := newOpenAEVClient(c.Context, o, cfg, log, view)
	if err != nil {
		return tokenRefused(injectID, err)
	}
	verdict, err := unfinished(c.Context, o, cfg, log, client, injectID, injector)
	if err != nil {
		return err
	}
	if wait != nil && c.Context.Err() != nil {
		// Interrupted while it waited on the platform (its version and
		// settings, the inject's status), before the outbox is opened; a
		// dry run waits on none.
		return wait.interrupted(c.Context, "nothing was run, sent or stored")
	}
	store, err := openRunOutbox(c.Context, cfg, o, log)
	if err != nil {
		return err
	}
	if store != nil {
		defer closeOutbox(log, store)
	}
	p := newOpenAEVProcessor(context.WithoutCancel(c.Context), o, cfg, log, client, store, view)
	if err := sentRecently(cfg, log, p, injectID, verdict.unreported); err != nil {
		return err
	}
	verdict.warn()
	p.WarnPending(store, injectID)
	if verdict.rerun || cfg.RerunFinished {
		p.Reopened(injectID) // its earlier run's findings are stored, or will be
	}
	return view.finish(log, fn(p), func(err error) error {
		if ie := wait.notRunInterrupted(c.Context, err); ie != nil {
			return ie
		}
		return openAEVExit(o, &cfg, err, view.dump)
	})
}

// runOpenAEVMessage runs one platform message with the injector its
// contract id names (contract ids are fixed per injector name, see
// openaev.ContractID): a name on the command line must be that one's
// (messageInjector), and runs a message naming no contract.
func runOpenAEVMessage(c *ucli.Context, o Options, cfg runConfig, log *zap.Logger, view *runView) error {
	name := c.Args().First()
	if name != "" {
		if _, err := o.injectors().executor(name); err != nil {
			return err
		}
	}
	if f, value, ok := injectFieldSet(cfg); ok {
		return cfg.messageConflict(f, value)
	}
	body, err := readInput(c.Context, "openaev_message", cfg.where("openaev_message"), cfg.OpenAEVMessage, maxMessageSize)
	if err != nil {
		return err
	}
	// A byte order mark, which editors on Windows write and show to no
	// one, is passed over, as in the config, inject and targets files.
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	// A message the file holds that cannot be read is bad input, named by
	// the file's line and column before the platform is asked anything,
	// whether it names its inject or not: serve tells the platform of
	// such a message (no one else would hear of it), but here the user
	// reads the error, and a reception would reopen a finished inject
	// and its INVALID_USAGE turn its status PARTIAL for good.
	m, err := openaev.ParseMessage(body)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: messageFileError(cfg.OpenAEVMessage, body, err)}
	}
	if err := messageInjector(o, cfg, name, m.Injection.ContractID()); err != nil {
		return err
	}
	if err := messageInjectID(o, cfg, m.Injection.InjectID); err != nil {
		return err
	}
	runs := cmp.Or(name, contractInjector(o, m.Injection.ContractID())) // "" when unknown
	if err := platformManifest(o, runs); err != nil {
		return err
	}
	if err := injectorSettingsSet(o, runs, cfg.injectors, &cfg.origins); err != nil {
		return err
	}
	if err := checkProxy(o); err != nil {
		return err
	}
	if err := cfg.Backend.readCA(c.Context, cfg.where("ca_file")); err != nil {
		return err
	}
	if _, _, err := deliveryChecks(cfg, o, log); err != nil {
		return err // before the outbox is opened: bad input creates nothing
	}
	return withOpenAEVProcessor(c, o, cfg, log, view, m.Injection.InjectID, runs, func(p *openaev.Processor) error {
		p.Injector = name
		return p.ProcessMessage(c.Context, m)
	})
}

// messageFileError names the message file name, body, in err when err is
// the message's own refusal (a *openaev.MessageError, not the platform's
// refusal of the reception), its rejection callback delivered or not (see
// onRefusal), as an inject file's errors name it: at the line and column
// of the byte the error is about when it has one ("openaev message
// m.json:3:2: invalid message: …", in place of its "(at byte N)"), else
// the file alone. The name is shown as written, or Go-quoted when it
// holds a character a terminal would obey.
func messageFileError(name string, body []byte, err error) error {
	return onRefusal(err, func(err error) error { return messagePlaced(name, body, err) })
}

// messagePlaced is messageFileError of a refusal.
func messagePlaced(name string, body []byte, err error) error {
	var me *openaev.MessageError
	if !errors.As(err, &me) || me.Reception {
		return err
	}
	shown := name
	if signatures.Unprintable(name) != "" {
		shown = strconv.Quote(name)
	}
	if !me.Placed || error(me) != err { // a wrapped one keeps its "(at byte N)"
		return fmt.Errorf("openaev message %s: %w", shown, err)
	}
	line, col := runtime.Position(body, me.Offset)
	unplaced := *me
	unplaced.Placed = false
	return fmt.Errorf("openaev message %s:%d:%d: %w", shown, line, col, &unplaced)
}

// messageInjector refuses, before anything runs or is sent, a message
// whose contract is not that of the injector the command line names: the
// contract id says which injector the platform asked for, and another one
// would run over the message's assets (nmap scanning them for a noop
// inject). A message naming no contract runs with the named injector.
func messageInjector(o Options, cfg runConfig, name, contract string) error {
	if name == "" || contract == "" || openaev.SameContract(contract, openaev.ContractID(name)) {
		return nil
	}
	if n := contractInjector(o, contract); n != "" {
		return usageErr("invalid openaev_message %q%s: the message is for contract %s (%s), not %s's; run \"%s run %s --openaev-message %s\", or omit the injector name",
			cfg.OpenAEVMessage, cfg.where("openaev_message"), contract, n, name, o.name(), n, cfg.OpenAEVMessage)
	}
	return usageErr("invalid openaev_message %q%s: the message is for contract %s, not %s's (no injector of %s has that contract)",
		cfg.OpenAEVMessage, cfg.where("openaev_message"), contract, name, o.name())
}

// messageInjectID refuses, before the platform is asked anything, a
// message whose inject id holds a secret (the token, say), as run refuses
// an --inject-id holding one: its reception and INVALID_USAGE would carry
// it in their paths to the platform, and into the outbox.
func messageInjectID(o Options, cfg runConfig, id string) error {
	redact := cfg.redaction(o.injectors().manifests())
	if id == "" || redact == nil || redact(id) == id {
		return nil
	}
	return usageErr("invalid openaev_message %q%s: %v", cfg.OpenAEVMessage, cfg.where("openaev_message"),
		&signatures.ValidationError{Field: "inject_id", Reason: signatures.ReasonSecret, Withheld: true})
}

// urlNamed names the platform URL an openaev.ValidationError refuses (its
// field "url") by the setting key the user gave it as.
func urlNamed(err error, key string) error {
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || ve.Field != "url" {
		return err
	}
	named := *ve
	named.Field = key
	return &named
}

// platformManifest refuses, before anything runs or is sent, the injector
// name whose manifest the platform would refuse (openaev.ValidateManifest,
// the check of serve's registration, the one entry of the platform's
// rules): its callbacks would be dropped. injectorSet.executor ran
// framework.ValidateManifest (check), which openaev.ValidateManifest runs
// first, so what it refuses here is the platform's own. An empty name (a
// message naming no injector's contract) is the run's to refuse.
func platformManifest(o Options, name string) error {
	if name == "" {
		return nil
	}
	set := o.injectors()
	if _, err := set.executor(name); err != nil {
		return err // a panic of its factory or Manifest too
	}
	b, _ := set.get(name)
	if err := openaev.ValidateManifest(b.m, openaev.PlatformVersion{Current: true}); err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("injector %s cannot report to OpenAEV: %w", name, err)}
	}
	return nil
}

// contractInjector returns the registered injector whose contract id is
// contract, "" when none is.
func contractInjector(o Options, contract string) string {
	return openaev.ContractInjector(o.Registry.Names(), contract)
}
