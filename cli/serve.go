package cli

import (
	"context"
	"net"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// serveExitHelp is the EXIT CODES section of serve's help.
func serveExitHelp() string {
	return `EXIT CODES:
   0  stopped by SIGINT/SIGTERM/SIGHUP (each a graceful stop, logged with its name) after the
      injects in flight finished or were requeued
   1  could not start: registration refused, listen address in use
   2  invalid configuration: one line on stderr names the key and the value
   130  a second SIGINT/SIGTERM/SIGHUP during the graceful stop: exits at once; the injects in flight are
        unacknowledged and go back to the queue, callbacks not yet delivered stay in the outbox; or,
        as run's, the first one before it started, while it read its config or a file it names (icon,
        CA, broker certificate or key; a FIFO included): nothing started, nothing was sent
   An inject's outcome (failed, timeout) goes to the platform in its terminal callback and never
   changes the exit code (run's code 3 does not apply to serve).
   SIGQUIT (Ctrl-\) is left to the Go runtime, for a daemon that seems stuck: the stacks of every
      goroutine on stderr (functions and addresses, no values: no token or inject), then exit 2 at once,
      as a kill: the injects in flight, unacknowledged, go back to the queue; the outbox keeps what it held.
   An inject whose run ends the process (a panic in a goroutine its injector started: exit 2, from
   the Go runtime) is run again once serve is restarted; with the outbox, once its runs ended the
   process ` + strconv.Itoa(openaev.MaxUnfinishedRuns) + ` times (openaev.MaxUnfinishedRuns), it is not run again: it gets its terminal ERROR.`
}

func serveCommand(o Options) *ucli.Command {
	return &ucli.Command{
		Name:  "serve",
		Usage: "register with OpenAEV and run the injects it queues, until SIGTERM",
		Description: "Registers the injectors with the platform (again every --heartbeat-interval), consumes the\n" +
			"queue the registration names, runs each inject and acknowledges it once its terminal callback\n" +
			"was delivered, or stored in the outbox (--outbox) when the platform did not accept it: a\n" +
			"background loop resends the stored callbacks with backoff (at most 5 min apart).\n" +
			"Each inject runs under --timeout (default 10m): past it, its injector is cancelled and the\n" +
			"platform gets its TIMEOUT callback with the partial results.\n" +
			"/healthz and /metrics are served on --listen-addr.\n" +
			"An outbox another process holds at start (the daemon this one replaces, still stopping)\n" +
			"does not stop it: it registers without consuming, /healthz answers 503 naming the lock and\n" +
			"the outbox, and it consumes once the lock is free (tried every half second).\n\n" + serveExitHelp(),
		Flags: flagsOf(o.name(), reflect.TypeFor[serveConfig](), map[string]string{"injectors": injectorsUsage(o), "outbox_max_bytes": serveOutboxUsage()}),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return argsError(c, o, c.Command.Name, "no arguments")
			}
			return serveAction(c, o)
		},
	}
}

// serveFlagNotes are the hints of flags of run that serve has no use for
// (see flagNotes).
var serveFlagNotes = map[string]string{
	"profile": "serve always speaks the openaev profile; --profile is a flag of run",
}

// platformClient returns the platform client's configuration and options.
func (sc serveConfig) platformClient(ctx context.Context, ms []framework.Manifest) (openaev.Config, []openaev.Option, error) {
	p := sc.Platform
	cfg := openaev.Config{URL: p.URL, Token: p.Token, Tenant: p.Tenant,
		InjectorID: p.InjectorID, InjectorName: p.InjectorName, InjectorType: p.InjectorType}
	if p.IconFile != "" {
		b, err := readIcon(ctx, p.IconFile, sc.where("icon_file"))
		if err != nil {
			return cfg, nil, err
		}
		cfg.Icon = b
	}
	// An INVALID_USAGE message may quote an input holding a secret
	// setting (the Shodan key), as the platform shows it to its users.
	return cfg, append(p.Version.options(), openaev.WithSecrets(secretValues(backendConfig{}, sc.injectors, ms)...)), nil
}

// daemonOptions returns the daemon's and the profile's options of the
// configuration; the caller validates them.
func (sc serveConfig) daemonOptions() (serve.Options, openaev.ServeOptions) {
	so := serve.DefaultOptions()
	so.AuthFailures, so.MaxMessageSize = sc.AuthFailures, sc.MaxMessageSize
	so.BrokerTLS = serve.BrokerTLS{CAFile: sc.Broker.CAFile, CertFile: sc.Broker.CertFile,
		KeyFile: sc.Broker.KeyFile, Insecure: sc.Broker.Insecure}
	oo := openaev.DefaultServeOptions()
	oo.Injectors = openaev.ParseInjectors(strings.Join(sc.Served, ","))
	oo.MaxPayloadSize = sc.MaxPayloadSize
	oo.CAFile, oo.Insecure, oo.URL = sc.Platform.CAFile, sc.Platform.Insecure, sc.Platform.URL
	return so, oo
}

func serveAction(c *ucli.Context, o Options) (err error) {
	var sc serveConfig
	defer func() { err = jsonExit(c, o, sc.Log.Format, err) }() // last: after the redaction below
	set := o.injectors()
	// The set's executors are configured and preflighted by the checks
	// at start, and closed once they are done; here when serve exits
	// before, with an error of its own that a Close error would add to.
	defer func() { _ = set.closeExecutors() }()
	ms, broken := set.manifests(), set.brokenInjectors()
	sc, err = loadServeConfig(c, o, ms)
	if err != nil {
		return redactGiven(c, o, &sc, err)
	}
	// As run's: the token, the credentials of the URL and the injectors'
	// Secret settings are redacted from the log lines (an executor's
	// message, its logger, a panic), and from the error serve exits with
	// every secret given, from every source (redactGiven).
	secrets := everySecret(c, o, &sc, secretValues(backendConfig{URL: sc.Platform.URL, Token: sc.Platform.Token}, sc.injectors, ms)...)
	defer func() { err = redactGiven(c, o, &sc, err, secrets...) }()
	if err := checkProxy(o); err != nil {
		return err
	}
	if err := secretURL("openaev_url", sc.where("openaev_url"), sc.Platform.URL, secrets); err != nil {
		return err
	}
	daemonOpts, profileOpts, selected, err := sc.check(c.Context, set)
	if err != nil {
		return err
	}
	if err := checkSettings(set, selected, sc.injectors, &sc.origins); err != nil {
		return err
	}
	platform, clientOpts, err := sc.platformClient(c.Context, ms)
	if err != nil {
		return err
	}
	// The platform settings the client refuses (injector id, tenant, URL,
	// icon) exit 2 before any WARN about a daemon that never starts.
	if _, err := openaev.NewClient(platform, clientOpts...); err != nil {
		return &ExitError{Code: ExitUsage, Err: sc.named(urlNamed(err, "openaev_url"))}
	}
	log, err := newLogger(redacting(o.Stderr, secrets), sc.Log)
	if err != nil {
		return err
	}
	o.Abort.logJSON(redacting(o.Stderr, secrets), sc.Log)
	defer func() { _ = log.Sync() }()
	sc.warnStrayEnv(log, o.name())
	warnUnsetRequired(log, selected, sc.injectors, &sc.origins)
	warnPreflight(log, set, selected)
	if err := set.closeExecutors(); err != nil {
		log.Warn("injectors not closed after the checks at start", zap.Error(err))
	}
	warnClearToken(log, sc.Platform.URL, sc.Platform.Token)
	warnSecretArgs(log, &sc.origins, sc.Platform.Token, "openaev_url", sc.Platform.URL)
	warnAPIRoute(log, sc.Platform.URL, sc.source("openaev_url"))
	lookup := net.DefaultResolver.LookupHost
	if o.lookupHost != nil {
		lookup = o.lookupHost
	}
	warnListenAddr(c.Context, log, sc.ListenAddr, sc.source("listen_addr"), lookup)
	// The platform's HTTP client: TLS 1.2 at least, ca_file added to the
	// system roots, the proxy from the environment, no redirects (a POST
	// carrying the token is not replayed elsewhere), and every attempt of
	// an inject's callbacks counted in the metrics.
	hc, err := profileOpts.HTTPClient(log)
	if err != nil {
		return sc.settingExit(err)
	}
	keepConnections(hc, sc.Workers+sc.DeliverySlots)
	defer collectLess(os.Getenv).release()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := serve.NewMetrics(reg)
	// The platform answers an accepted callback 200.
	metrics.Declare(manifestNames(selected), http.StatusOK)
	// Each callback the platform accepts also tells the outbox's resender
	// that the platform is back (see platformUp).
	up := &platformUp{}
	hc.Transport = openaev.CountAttempts(hc.Transport, up.counting(metrics.DeliveryAttempt))

	// The contracts depend on the platform's version: the client reads it
	// (unless --openaev-version gives it) before the first registration.
	// Made before the outbox is opened: a setting it refuses (injector id,
	// tenant, URL) exits 2 with nothing created.
	client, err := openaev.NewClient(platform, append([]openaev.Option{openaev.WithLogger(log),
		openaev.WithProduct(o.product(), o.version()), openaev.WithHTTPClient(hc), o.openaevRetry()}, clientOpts...)...)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: sc.named(urlNamed(err, "openaev_url"))}
	}
	// The outbox (on unless --outbox none) is shared: several daemons on
	// one host may keep their callbacks in one file; a body one of them is
	// sending is never resent by another while it lives.
	// Another process holding it at start pauses the consumption until
	// the lock is free (see openServeOutbox).
	store, startPaused, err := openServeOutbox(sc.Outbox, sc.source("outbox"), o, log)
	if err != nil {
		return withOutboxNamed(err, sc.source("outbox"), sc.Outbox.Path, o)
	}
	// What a second signal does to the injects in flight, said instead of
	// run's line (its signatures not yet stored lost).
	defer o.Abort.ExitSays(serveExitSays(store != nil))()
	if store != nil {
		defer closeOutbox(log, store)
		// Exiting at once (a second signal), the store is not closed: the
		// starts of the injects in flight, whose messages go back to the
		// queue, are removed first, so that the operator's stop does not
		// count as a run that ended the process.
		defer o.Abort.OnExit(func() {
			if err := store.EndOpenRuns(); err != nil {
				log.Warn("exiting now: the starts of the injects in flight not removed; each counts as a run that ended the process", zap.Error(err))
			}
		})()
	}
	// The listen address is bound before the resender starts: a daemon
	// that cannot start (the address in use: exit 1) sends nothing, no
	// callback an earlier daemon kept posted, or cut short, on its way out.
	// After the outbox: one that cannot be opened exits 2 before anything
	// but loopback is bound.
	ln, err := listenHTTP(sc.ListenAddr)
	if err != nil {
		return &ExitError{Code: ExitDelivery, Err: err}
	}
	if ln != nil {
		defer ln.Close() // closed by the daemon's HTTP server once served
	}
	// Without an outbox, the notes of the completes sent stay in this
	// process: a second message of an inject is told from them alone.
	// One INFO line an inject's run ends with, not one a step (see
	// runtime.WithStepLevel): a daemon runs thousands a second.
	popts := append(profileOpts.ProfileOptions(), openaev.WithIngestWindow(sc.Platform.IngestWindow), openaev.WithClock(o.now),
		openaev.WithCallbackLevel(zapcore.DebugLevel))
	if store != nil {
		popts = append(popts, openaev.WithCompleteStore(store))
	}
	profile := openaev.NewProfile(client, selected, log, popts...)
	if store != nil {
		// This daemon's bodies: those its resender sends.
		watchOutbox(metrics, store, profile.Owns, log)
	}
	wake := make(chan struct{}, 1)
	var deliverer runtime.Deliverer = profile
	var durable *outbox.Deliverer
	if store != nil {
		durable = &outbox.Deliverer{Profile: profile, Store: store, Failed: wake}
		deliverer = durable
	}
	// The resender starts once a registration succeeded: a daemon the
	// platform refuses at start (exit 2) sends nothing.
	var registrar serve.Registrar = openaev.NewRegistrar(client, selected)
	if store != nil {
		r := &resendOnceRegistered{Registrar: registrar, up: up,
			start: func() func() { return startResender(c.Context, store, profile, wake, metrics, log, up) }}
		registrar = r
		defer r.Stop()
	}
	redact := logRedaction(secrets)
	rt := newRuntime(o, sc.injectors, log, runtime.WithDeliverer(deliverer),
		runtime.WithObserver(metricsObserver{m: metrics, log: log, redact: redact}),
		runtime.WithTimeout(sc.Execution.Timeout), // 0 (unset): the runtime's default
		runtime.WithLogRedaction(redact), runtime.WithStepLevel(zapcore.DebugLevel))
	proc := openaev.NewProcessor(rt, profile)
	proc.MaxTargets = sc.MaxTargets
	proc.Program = o.name()
	handler := openaev.NewHandler(openaev.HandlerConfig{Processor: proc,
		Store: store, Wake: wake, Metrics: metrics, Log: log})
	if durable != nil {
		// The room reserved for each run is that of the largest result,
		// released once its result is stored.
		durable.Sized = handler.Sized
		// The shutdown timeout cuts the callbacks in flight short: kept, their
		// messages are acknowledged, not run again by another daemon.
		durable.Abort = handler.Abort()
	}
	d := &serve.Daemon{
		Registrar:         registrar,
		Handler:           handler,
		Workers:           sc.Workers,
		DeliverySlots:     sc.DeliverySlots, // 0 with --outbox none (check)
		ShutdownTimeout:   sc.ShutdownTimeout,
		HandleTime:        handleTime(sc.Execution.Timeout),
		HeartbeatInterval: sc.HeartbeatInterval,
		ListenAddr:        sc.ListenAddr,
		Listener:          ln,
		Name:              platform.InjectorName, // the broker names the connection as the platform names the injector
		Log:               log,
		Metrics:           metrics,
		Secrets:           secrets,
		StartPaused:       startPaused,
	}
	if err := daemonOpts.Apply(d); err != nil {
		return sc.settingExit(err)
	}
	log.Info("starting", zap.String("version", o.Version), zap.String("openaev_url", httpx.StripCredentials(platform.URL)),
		zap.String("injector_id", platform.InjectorID), zap.Strings("injectors", manifestNames(selected)),
		zap.Int("workers", sc.Workers), zap.Int("delivery_slots", sc.DeliverySlots), zap.Int64("max_payload_size", profileOpts.MaxPayloadSize))
	for _, pe := range broken {
		// Not named by --injectors (check refuses that): left out, said.
		log.Warn("injector not served: broken", zap.Error(pe))
	}
	if err := d.Run(c.Context); err != nil {
		if isSetting(err) {
			return sc.settingExit(err)
		}
		// A 404 (the registration's, say): the URL may not be the
		// platform's root.
		return &ExitError{Code: ExitDelivery, Err: err, Hint: urlHint(err, sc.Platform.URL, sc.source("openaev_url"))}
	}
	return nil
}

// serveExitSays is what a second signal does to serve's injects in
// flight (see Abort.ExitSays), with an outbox or without.
func serveExitSays(outboxed bool) string {
	if outboxed {
		return "the injects in flight go back to the queue unacknowledged: those whose terminal callback is stored stay in " +
			"the outbox (see: injectkit outbox list), resent from there and not run again; the others run again where they are " +
			"taken, a result held in memory, not stored, dropped"
	}
	return "the injects in flight go back to the queue unacknowledged and run again where they are taken; " +
		"their results held in memory, not delivered (--outbox none), are dropped"
}

// watchOutbox exports the counts of store in metrics, read at each scrape
// (a few milliseconds: the file is opened, its records listed, without
// their bodies), and its bound, a fixed setting. The bodies counted are
// those owns picks, the ones this daemon's resender sends (its platform,
// tenant and injector): an outbox shared with the daemons of other
// platforms holds theirs too, which this daemon neither sends nor can
// make its platform take, so its alert would fire for their outage. The
// bytes are the whole file's, those --outbox-max-bytes bounds.
func watchOutbox(m *serve.Metrics, store *outbox.Store, owns func(outbox.Record) bool, log *zap.Logger) {
	m.WatchOutbox(store.MaxBytes(), func() (serve.OutboxStats, error) {
		// A read waiting for another process's lock (the room check of a
		// message, the outbox held at start) is not waited for behind:
		// the scrape goes without the counts at once.
		if err := store.LockWait(); err != nil {
			return serve.OutboxStats{}, err
		}
		recs, err := store.List()
		if err != nil {
			return serve.OutboxStats{}, err
		}
		u, err := store.Usage()
		st := serve.OutboxStats{Bytes: u.Bytes}
		for _, r := range recs {
			switch {
			case !owns(r):
			case r.State == outbox.Pending:
				st.Pending++
			case r.State == outbox.Dead:
				st.Dead++
			}
		}
		return st, err
	}, log)
}

// keepConnections lets the platform client keep an idle connection for
// every worker and delivery slot (each posts its callbacks one after the
// other; posters counts them) and for the
// resender, the heartbeat and a status check beside them, instead of the
// transport's default of 2 per host: 16 workers would otherwise dial a new
// connection for most callbacks.
func keepConnections(hc *http.Client, posters int) {
	if tr := httpx.Transport(hc); tr != nil {
		n := posters + 4
		tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, n)
		if tr.MaxIdleConns != 0 {
			tr.MaxIdleConns = max(tr.MaxIdleConns, n)
		}
	}
}

// manifestNames returns the names of ms.
func manifestNames(ms []framework.Manifest) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}
