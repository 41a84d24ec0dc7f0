package cli

import (
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// serveSettings are the keys of `injectkit serve`, in help order.
var serveSettings = []setting{
	{key: "openaev_url", usage: "OpenAEV platform base URL (required)"},
	{key: "token", usage: "OpenAEV API token", secret: true},
	{key: "tenant", usage: "OpenAEV tenant id; API paths become /api/tenants/{tenant}/…"},
	{key: "injector_id", usage: "the injector's UUID on the platform (required)"},
	{key: "injector_name", def: "injectkit", usage: "injector name shown by the platform"},
	{key: "injector_type", def: "injectkit", usage: "injector type registered with the platform"},
	{key: "openaev_version", usage: "OpenAEV platform version (e.g. 2.4.0, 3.260821.0) instead of asking the platform " +
		"before the first registration; before 2.260624 no signatures are sent and newer output types are declared as text"},
	{key: "icon_file", usage: "PNG icon sent with the first registration"},
	{key: "workers", def: "4", usage: "injects run at once; also the broker prefetch"},
	{key: "listen_addr", def: "127.0.0.1:9464", usage: "address serving /healthz and /metrics"},
	{key: "shutdown_timeout", def: "30s", usage: "on SIGTERM, how long injects in flight may finish before they are requeued"},
	{key: "heartbeat_interval", def: "40s", usage: "period of the registration heartbeat"},
	{key: "outbox", usage: "outbox file keeping each terminal callback until the platform accepts it, then acknowledging its message (default $XDG_STATE_HOME/injectkit/outbox.db, else ~/.local/state/injectkit/outbox.db; \"none\": a message is requeued when its callback fails)"},
	{key: "outbox_max_bytes", def: "1073741824", usage: "most bytes of bodies the outbox holds; past it injects fail and are requeued"},
	{key: "outbox_lock_timeout", def: "30s", usage: "how long to wait for an outbox another process holds"},
	{key: "log_level", def: "info", usage: "log level: debug, info, warn, error"},
	{key: "log_format", def: "console", usage: "log format: console or json"},
}

const serveExitHelp = `EXIT CODES:
   0  stopped by SIGINT/SIGTERM after the injects in flight finished or were requeued
   1  could not start: registration refused, listen address in use
   2  invalid configuration: one line on stderr names the key and the value`

func serveCommand(o Options) *ucli.Command {
	flags := []ucli.Flag{&ucli.StringFlag{Name: "config", Usage: "YAML config file (env INJECTKIT_CONFIG)"}}
	for _, s := range serveSettings {
		flags = append(flags, &ucli.StringFlag{Name: s.flag(), Usage: s.usage + " (env " + s.env() + ")", DefaultText: s.def})
	}
	return &ucli.Command{
		Name:  "serve",
		Usage: "register with OpenAEV and run the injects it queues, until SIGTERM",
		Description: "Registers the injectors with the platform (again every --heartbeat-interval), consumes the\n" +
			"queue the registration names, runs each inject and acknowledges it once its terminal callback\n" +
			"was delivered, or stored in the outbox (--outbox) when the platform did not accept it: a\n" +
			"background loop resends the stored callbacks with backoff (at most 5 min apart).\n" +
			"/healthz and /metrics are served on --listen-addr.\n\n" + serveExitHelp,
		Flags: flags,
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageErr("%v (see injectkit serve --help)", err)
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usageErr("serve takes no arguments, got %q", c.Args().First())
			}
			return serveAction(c, o)
		},
	}
}

// serveConfig is the validated configuration of the daemon.
type serveConfig struct {
	client            openaev.Config
	clientOpts        []openaev.Option // --openaev-version, when set
	workers           int
	listenAddr        string
	shutdownTimeout   time.Duration
	heartbeatInterval time.Duration
}

func readServeConfig(cfg *config) (serveConfig, error) {
	sc := serveConfig{
		client: openaev.Config{URL: cfg.str("openaev_url"), Token: cfg.str("token"), Tenant: cfg.str("tenant"),
			InjectorID: cfg.str("injector_id"), InjectorName: cfg.str("injector_name"), InjectorType: cfg.str("injector_type")},
		listenAddr: cfg.str("listen_addr"),
	}
	if sc.client.URL == "" {
		return sc, usageErr("invalid openaev_url \"\": required (--openaev-url or INJECTKIT_OPENAEV_URL)")
	}
	if sc.client.InjectorID == "" {
		return sc, usageErr("invalid injector_id \"\": required (--injector-id or INJECTKIT_INJECTOR_ID)")
	}
	if path := cfg.str("icon_file"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return sc, usageErr("invalid icon_file %q: %v", path, err)
		}
		sc.client.Icon = b
	}
	var err error
	if sc.clientOpts, err = platformVersionOption(cfg); err != nil {
		return sc, err
	}
	if sc.workers, err = cfg.int("workers"); err != nil {
		return sc, err
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{"shutdown_timeout", &sc.shutdownTimeout}, {"heartbeat_interval", &sc.heartbeatInterval}} {
		if *d.dst, err = cfg.duration(d.key); err != nil {
			return sc, err
		}
		if *d.dst <= 0 {
			return sc, usageErr("invalid %s %q: must be positive", d.key, cfg.str(d.key))
		}
	}
	return sc, nil
}

func serveAction(c *ucli.Context, o Options) error {
	ms := manifests(o.Registry)
	cfg, err := loadConfig(c, serveSettings, ms, o.Getenv)
	if err != nil {
		return err
	}
	log, err := newLogger(o.Stderr, cfg.str("log_level"), cfg.str("log_format"))
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	sc, err := readServeConfig(cfg)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := serve.NewMetrics(reg)

	// The outbox (on unless --outbox none) is shared: several daemons on
	// one host may keep their callbacks in one file; a body one of them is
	// sending is never resent by another while it lives.
	store, err := openOutbox(cfg, o, "serve", true)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	// The contracts depend on the platform's version: the client reads it
	// (unless --openaev-version gives it) before the first registration.
	client, err := openaev.NewClient(sc.client, append([]openaev.Option{openaev.WithLogger(log),
		openaev.WithUserAgent(o.Version), openaev.WithHTTPClient(platformHTTPClient(metrics))}, sc.clientOpts...)...)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	profile := openaev.NewProfile(client, ms, log)
	wake := make(chan struct{}, 1)
	var deliverer runtime.Deliverer = profile
	if store != nil {
		deliverer = &outbox.Deliverer{Profile: profile, Store: store, Failed: wake}
		stop := startResender(c.Context, store, profile, wake, log)
		defer stop()
	}
	rt := newRuntime(o, cfg, log, runtime.WithDeliverer(deliverer), runtime.WithObserver(metricsObserver{metrics}))
	d := &serve.Daemon{
		Registrar: &openaevRegistrar{client: client, manifests: ms},
		Handler: &openaevHandler{proc: openaev.NewProcessor(rt, profile), profile: profile, metrics: metrics,
			log: log, store: store, wake: wake},
		Workers:           sc.workers,
		ShutdownTimeout:   sc.shutdownTimeout,
		HeartbeatInterval: sc.heartbeatInterval,
		ListenAddr:        sc.listenAddr,
		Name:              "injectkit-" + sc.client.InjectorName,
		Log:               log,
		Metrics:           metrics,
	}
	log.Info("starting", zap.String("version", o.Version), zap.String("openaev_url", httpx.StripCredentials(sc.client.URL)),
		zap.String("injector_id", sc.client.InjectorID), zap.Strings("injectors", o.Registry.Names()),
		zap.Int("workers", sc.workers))
	if err := d.Run(c.Context); err != nil {
		var ve *openaev.ValidationError
		if errors.As(err, &ve) {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return &ExitError{Code: ExitDelivery, Err: err}
	}
	return nil
}

// platformHTTPClient is the platform client's HTTP client: TLS 1.2 at
// least, the proxy from the environment, no redirects (a POST carrying the
// token is not replayed elsewhere), and every attempt of an inject's
// callbacks counted in the metrics.
func platformHTTPClient(m *serve.Metrics) *http.Client {
	hc := httpx.NewDefaultClient()
	hc.Transport = openaev.CountAttempts(hc.Transport, m.DeliveryAttempt)
	return hc
}
