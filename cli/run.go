package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
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
		Flags: flagsOf(reflect.TypeFor[runConfig](), nil),
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
	cfg, err := loadRunConfig(c, o, manifests(o.Registry))
	if err != nil {
		return err
	}
	log, err := newLogger(o.Stderr, cfg.Log)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	if cfg.OpenAEVMessage != "" {
		return runOpenAEVMessage(c, o, cfg, log)
	}
	req, err := buildRequest(c.Args().First(), cfg, o.Registry)
	if err != nil {
		return err
	}
	if req.InjectID == "" {
		if cfg.Backend.URL != "" {
			return usageErr("invalid inject_id \"\": required when a backend URL is set")
		}
		req.InjectID = uuid.NewString()
	}
	if cfg.Profile == ProfileOpenAEV {
		return runOpenAEVRequest(c, o, cfg, log, req)
	}
	store, err := openRunOutbox(cfg, o)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	deliverer, err := newDeliverer(cfg, o, log, store)
	if err != nil {
		return err
	}
	_, err = newRuntime(o, cfg.injectors, log, runtime.WithDeliverer(deliverer)).Run(c.Context, req)
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
func newRuntime(o Options, settings injectorSettings, log *zap.Logger, opts ...runtime.Option) *runtime.Runtime {
	resolver := signatures.DefaultResolver()
	resolver.Getenv = o.Getenv
	return runtime.New(o.Registry, append([]runtime.Option{
		runtime.WithLogger(log),
		runtime.WithSignatures(signatures.NewManager(signatures.WithLogger(log), signatures.WithResolver(resolver))),
		runtime.WithSettings(func(name string) map[string]string { return settings[name] }),
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
func buildRequest(injector string, cfg runConfig, reg *framework.Registry) (runtime.Request, error) {
	var req runtime.Request
	if cfg.InjectFile != "" {
		f, err := os.Open(cfg.InjectFile)
		if err != nil {
			return req, usageErr("inject file: %w", err)
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
	if cfg.InjectID != "" {
		req.InjectID = cfg.InjectID
	}
	if cfg.Phase != "" {
		req.Phase = cfg.Phase
	}
	if cfg.Timeout != 0 {
		req.Timeout = runtime.Duration(cfg.Timeout)
	}
	if len(cfg.Expectations) > 0 {
		req.ExpectationTypes = cfg.Expectations
	}
	targets := slices.Clone(cfg.Targets)
	if cfg.TargetsFile != "" {
		more, err := readTargetsFile(cfg.TargetsFile)
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
	if params := cfg.Params; len(params) > 0 {
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
		return nil, usageErr("targets file: %w", err)
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
		return nil, usageErr("targets file %s: %w", path, err)
	}
	return out, nil
}

// repeated is a repeatable string flag whose values are kept whole: a
// param value may hold commas (ports=22,80), which urfave/cli's slice flags
// would split.
type repeated struct{ values []string }

func (r *repeated) Set(v string) error { r.values = append(r.values, v); return nil }
func (r *repeated) String() string     { return strings.Join(r.values, " ") }
