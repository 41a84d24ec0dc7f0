package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/google/uuid"
	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

func runCommand(o Options) *ucli.Command {
	var flags []ucli.Flag
	flags = append(flags, &ucli.StringFlag{Name: "config", Usage: "YAML config file (env INJECTKIT_CONFIG)"})
	for _, s := range runSettings {
		usage := s.usage + " (env " + s.env() + ")"
		switch {
		case s.list:
			flags = append(flags, &ucli.GenericFlag{Name: s.flag(), Usage: usage, Value: &repeated{}})
		case s.isBool:
			flags = append(flags, &ucli.BoolFlag{Name: s.flag(), Usage: usage})
		default:
			flags = append(flags, &ucli.StringFlag{Name: s.flag(), Usage: usage, DefaultText: s.def})
		}
	}
	return &ucli.Command{
		Name:      "run",
		Usage:     "run one inject and deliver (or print) its expectation signatures",
		ArgsUsage: "<injector>",
		Description: "Runs the injector on the targets, then POSTs the signatures to --backend-url,\n" +
			"or prints each body that would have been POSTed to stdout (one JSON document per line).\n\n" +
			"--profile openaev reports through the OpenAEV platform's own calls instead: reception, an INFO trace,\n" +
			"then one terminal callback with the findings and the expectation signatures.\n" +
			"--openaev-message FILE runs one captured platform message with the named injector, or the one\n" +
			"its contract id names. Both read the platform's version first (--openaev-version gives it).\n\n" + exitHelp,
		Flags: flags,
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageErr("%v (see injectkit run --help)", err)
		},
		Action: func(c *ucli.Context) error {
			return runAction(c, o)
		},
	}
}

func runAction(c *ucli.Context, o Options) error {
	if c.NArg() > 1 {
		return usageErr("run takes one injector name, got %q", strings.Join(c.Args().Slice(), " "))
	}
	cfg, err := loadConfig(c, runSettings, manifests(o.Registry), o.Getenv)
	if err != nil {
		return err
	}
	log, err := newLogger(o.Stderr, cfg.str("log_level"), cfg.str("log_format"))
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	profile := cfg.str("profile")
	message := cfg.str("openaev_message")
	if _, err := platformVersionOption(cfg); err != nil {
		return err
	}
	switch {
	case profile != ProfileCallback && profile != ProfileOpenAEV:
		return usageErr("invalid profile %q: want %s or %s", profile, ProfileCallback, ProfileOpenAEV)
	case message != "":
		return runOpenAEVMessage(c, o, cfg, log, message)
	}
	req, err := buildRequest(c.Args().First(), cfg, o.Registry)
	if err != nil {
		return err
	}
	backend := cfg.str("backend_url")
	if req.InjectID == "" {
		if backend != "" {
			return usageErr("invalid inject_id \"\": required when a backend URL is set")
		}
		req.InjectID = uuid.NewString()
	}
	if profile == ProfileOpenAEV {
		return runOpenAEVRequest(c, o, cfg, log, req)
	}
	maxSize, err := cfg.int("max_payload_size")
	if err != nil {
		return err
	}
	store, err := openRunOutbox(cfg, o)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	deliverer, err := newDeliverer(cfg, o, log, maxSize, store)
	if err != nil {
		return err
	}
	_, err = newRuntime(o, cfg, log, runtime.WithDeliverer(deliverer)).Run(c.Context, req)
	var re *framework.RequestError
	if errors.As(err, &re) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return deliveryExit(o, err)
}

// deliveryExit maps the outcome of a delivery to an exit code and one line
// for humans: the bodies kept in the outbox, or, without an outbox, the
// error with the undelivered signatures printed to stderr so that they
// are never lost silently.
func deliveryExit(o Options, err error) error {
	if err == nil {
		return nil
	}
	var de *runtime.DeliveryError
	switch {
	case errors.As(err, &de) && de.Stored+de.Dead > 0:
		return &ExitError{Code: ExitDelivery, Err: storedMessage(de), Hint: routeHint(err)}
	case errors.As(err, &de) && de.Report != nil:
		dumpSignatures(o, de.Report)
	}
	return &ExitError{Code: ExitDelivery, Err: err, Hint: routeHint(err)}
}

// routeHint suggests the openaev profile when the backend has no route
// for the callback profile's POST /api/injects/{id}/callback (404, or 405
// as an OpenAEV platform answers it): the backend is most likely an
// OpenAEV platform.
func routeHint(err error) string {
	var te *transport.TransmissionError
	if !errors.As(err, &te) || (te.Status != http.StatusNotFound && te.Status != http.StatusMethodNotAllowed) {
		return ""
	}
	return fmt.Sprintf("the backend answered %d to POST /api/injects/{id}/callback, the callback profile's route; "+
		"for an OpenAEV platform, run with --profile %s", te.Status, ProfileOpenAEV)
}

// newRuntime returns the runtime of `run` and `serve` over the
// configuration: its logger, signatures manager and injector settings.
func newRuntime(o Options, cfg *config, log *zap.Logger, opts ...runtime.Option) *runtime.Runtime {
	resolver := signatures.DefaultResolver()
	resolver.Getenv = o.Getenv
	ms := manifests(o.Registry)
	return runtime.New(o.Registry, append([]runtime.Option{
		runtime.WithLogger(log),
		runtime.WithSignatures(signatures.NewManager(signatures.WithLogger(log), signatures.WithResolver(resolver))),
		runtime.WithSettings(func(name string) map[string]string {
			for _, m := range ms {
				if m.Name == name {
					return cfg.injectorSettings(m)
				}
			}
			return nil
		}),
	}, opts...)...)
}

// dumpSignatures prints an undelivered payload to stderr, kept in no
// outbox (--outbox none), so that it is never lost silently.
func dumpSignatures(o Options, r *runtime.Report) {
	p, err := r.Payload()
	if err != nil {
		return
	}
	b, err := json.Marshal(map[string]any{"inject_id": r.InjectID, "phase": r.Phase, "expectation_signature": p})
	if err != nil {
		return
	}
	fmt.Fprintf(o.Stderr, "undelivered signatures: %s\n", b)
}

// buildRequest merges the inject file with the flags (flags win).
func buildRequest(injector string, cfg *config, reg *framework.Registry) (runtime.Request, error) {
	var req runtime.Request
	if path := cfg.str("inject_file"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return req, usageErr("inject file: %v", err)
		}
		defer f.Close()
		if req, err = runtime.DecodeRequest(f); err != nil {
			return req, &ExitError{Code: ExitUsage, Err: err}
		}
	}
	if injector != "" {
		req.Injector = injector
	}
	if req.Injector == "" {
		return req, usageErr("invalid injector \"\": name one (known: %s)", strings.Join(reg.Names(), ", "))
	}
	if v := cfg.str("inject_id"); v != "" {
		req.InjectID = v
	}
	if v := cfg.str("phase"); v != "" {
		req.Phase = v
	}
	if v := cfg.str("timeout"); v != "" {
		d, err := cfg.duration("timeout")
		if err != nil {
			return req, err
		}
		req.Timeout = runtime.Duration(d)
	}
	if types := cfg.list("expectation"); len(types) > 0 {
		req.ExpectationTypes = types
	}
	targets := cfg.list("target")
	if path := cfg.str("targets_file"); path != "" {
		more, err := readTargetsFile(path)
		if err != nil {
			return req, err
		}
		targets = append(targets, more...)
	}
	if len(targets) > 0 {
		req.Targets = make([]runtime.TargetSpec, len(targets))
		for i, t := range targets {
			req.Targets[i] = runtime.TargetSpec{Value: t}
		}
	}
	if params := cfg.list("param"); len(params) > 0 {
		ex, err := reg.New(req.Injector)
		if err != nil {
			return req, &ExitError{Code: ExitUsage, Err: err}
		}
		var m *framework.Manifest
		if mf, ok := ex.(framework.Manifester); ok {
			mm := mf.Manifest()
			m = &mm
		}
		if req.Params == nil {
			req.Params = map[string]any{}
		}
		for _, kv := range params {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return req, usageErr("invalid param %q: want key=value", kv)
			}
			val, err := framework.ParseParam(m, k, v)
			if err != nil {
				return req, &ExitError{Code: ExitUsage, Err: err}
			}
			req.Params[k] = val
		}
	}
	return req, nil
}

// readTargetsFile reads one target a line, skipping blank lines and
// # comments.
func readTargetsFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("targets file: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, usageErr("targets file %s: %v", path, err)
	}
	return out, nil
}

// repeated is a repeatable string flag whose values are kept whole: a
// param value may hold commas (ports=22,80), which urfave/cli's slice flags
// would split.
type repeated struct{ values []string }

func (r *repeated) Set(v string) error { r.values = append(r.values, v); return nil }
func (r *repeated) String() string     { return strings.Join(r.values, " ") }
