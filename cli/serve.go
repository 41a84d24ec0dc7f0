package cli

import (
	"errors"
	"net/http"
	"os"
	"reflect"

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

const serveExitHelp = `EXIT CODES:
   0  stopped by SIGINT/SIGTERM after the injects in flight finished or were requeued
   1  could not start: registration refused, listen address in use
   2  invalid configuration: one line on stderr names the key and the value`

func serveCommand(o Options) *ucli.Command {
	return &ucli.Command{
		Name:  "serve",
		Usage: "register with OpenAEV and run the injects it queues, until SIGTERM",
		Description: "Registers the injectors with the platform (again every --heartbeat-interval), consumes the\n" +
			"queue the registration names, runs each inject and acknowledges it once its terminal callback\n" +
			"was delivered, or stored in the outbox (--outbox) when the platform did not accept it: a\n" +
			"background loop resends the stored callbacks with backoff (at most 5 min apart).\n" +
			"/healthz and /metrics are served on --listen-addr.\n\n" + serveExitHelp,
		Flags: flagsOf(reflect.TypeFor[serveConfig](), nil),
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

// platformClient returns the platform client's configuration and options.
func (sc serveConfig) platformClient() (openaev.Config, []openaev.Option, error) {
	p := sc.Platform
	cfg := openaev.Config{URL: p.URL, Token: p.Token, Tenant: p.Tenant,
		InjectorID: p.InjectorID, InjectorName: p.InjectorName, InjectorType: p.InjectorType}
	if p.IconFile != "" {
		b, err := os.ReadFile(p.IconFile)
		if err != nil {
			return cfg, nil, usageErr("invalid icon_file %q: %w", p.IconFile, err)
		}
		cfg.Icon = b
	}
	return cfg, p.Version.options(), nil
}

func serveAction(c *ucli.Context, o Options) error {
	ms := manifests(o.Registry)
	sc, err := loadServeConfig(c, o, ms)
	if err != nil {
		return err
	}
	log, err := newLogger(o.Stderr, sc.Log)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	platform, clientOpts, err := sc.platformClient()
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := serve.NewMetrics(reg)

	// The outbox (on unless --outbox none) is shared: several daemons on
	// one host may keep their callbacks in one file; a body one of them is
	// sending is never resent by another while it lives.
	store, err := openOutbox(sc.Outbox, o, "serve", true)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	// The contracts depend on the platform's version: the client reads it
	// (unless --openaev-version gives it) before the first registration.
	client, err := openaev.NewClient(platform, append([]openaev.Option{openaev.WithLogger(log),
		openaev.WithUserAgent(o.Version), openaev.WithHTTPClient(platformHTTPClient(metrics))}, clientOpts...)...)
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
	rt := newRuntime(o, sc.injectors, log, runtime.WithDeliverer(deliverer), runtime.WithObserver(metricsObserver{metrics}))
	d := &serve.Daemon{
		Registrar: &openaevRegistrar{client: client, manifests: ms},
		Handler: &openaevHandler{proc: openaev.NewProcessor(rt, profile), profile: profile, metrics: metrics,
			log: log, store: store, wake: wake},
		Workers:           sc.Workers,
		ShutdownTimeout:   sc.ShutdownTimeout,
		HeartbeatInterval: sc.HeartbeatInterval,
		ListenAddr:        sc.ListenAddr,
		Name:              "injectkit-" + platform.InjectorName,
		Log:               log,
		Metrics:           metrics,
	}
	log.Info("starting", zap.String("version", o.Version), zap.String("openaev_url", httpx.StripCredentials(platform.URL)),
		zap.String("injector_id", platform.InjectorID), zap.Strings("injectors", o.Registry.Names()),
		zap.Int("workers", sc.Workers))
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
