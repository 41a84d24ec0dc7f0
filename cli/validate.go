package cli

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
)

const validateExitHelp = `EXIT CODES:
   0  the inject is valid: run would execute it (one line on stdout says how; with -o json, one
      JSON object); when the injector cannot run on this machine (nmap not on PATH), a WARN line
      on stderr says that run would fail (in the JSON object too, as cannot_run)
   1  it is valid, but that line could not be written to stdout (a full disk): one line on stderr
      says so (injectkit: stdout not written: …); a reader that stops early (| head) changes no code
   2  it is not: one line on stderr names the flag, key, field or file, and the value (several
      invalid targets: a line saying how many, then each on a line of its own, the first 20)
   3  a method of the injector (its factory, Manifest, ValidateTargets, its params' Validate,
      Configure, Close…) panicked: a bug of the injector; one line on stderr names the injector
      and the method
   130  interrupted (SIGINT, SIGTERM or SIGHUP) while reading its input files (a FIFO), as run: nothing was checked`

func validateCommand(o Options) *ucli.Command {
	cmd := command("validate", "[<injector>]", "check an inject as run would, without running or sending anything: exit 0 (valid), 1 (valid, stdout not written), 2 (not), 3 (the injector panicked) or 130 (interrupted while reading its input)",
		"Takes the flags, environment variables and config file of run (but --openaev-message, refused:",
		"exit 2), and checks everything run",
		"checks before it starts the injector: the configuration, the inject file, the targets, the",
		"injector, its params and settings, the backend URL, the CA file and the size limit of a body.",
		"Nothing runs, nothing is sent, no outbox is opened, no platform is asked its version.",
		"", validateExitHelp)
	cmd.Flags = withShort(flagsOf(o.name(), reflect.TypeFor[runConfig](), map[string]string{
		"openaev_message": "refused by validate, set here, in the environment or in the config file: exit 2 (validate checks an inject file and flags, not a platform message, whose targets are the platform's to resolve; run takes it)",
		// validate's own stdout is its verdict, not run's summary or
		// wire bodies: text, or JSON when JSON was asked.
		"output": "run's stdout, text (a summary) or json (the wire bodies), checked as run checks it (another value: exit 2); validate's own stdout is its verdict: one line of text (valid: …), or with json one JSON object (valid, injector, targets, category, expectations, timeout, profile, backend_url, destination)",
	}), "output", "o")
	cmd.Action = func(c *ucli.Context) error { return validateAction(c, o) }
	return cmd
}

// validateAction follows runAction up to, not including, the run itself:
// the same configuration, request and deliverer checks, then
// runtime.Validate instead of runtime.Run.
func validateAction(c *ucli.Context, o Options) (err error) {
	var cfg runConfig
	defer func() { err = jsonExit(c, o, cfg.Log.Format, err) }() // its exit line as its log lines
	cfg, secrets, log, err := startRun(c, o, func(runConfig) io.Writer { return o.Stderr })
	if err != nil {
		return err
	}
	defer func() { err = redactGiven(c, o, &cfg, err, secrets...) }()
	defer func() { _ = log.Sync() }()
	if cfg.OpenAEVMessage != "" {
		return usageErr("invalid openaev_message %q%s: validate checks an inject file and flags, not a platform message (its targets are the platform's to resolve)",
			cfg.OpenAEVMessage, cfg.where("openaev_message"))
	}
	cr, err := checkRun(c.Context, o, &cfg, log, c.Args().First())
	if err != nil {
		if pr := (*paramRefusal)(nil); errors.As(err, &pr) {
			return cfg.paramErr(pr.i, pr.err) // no inject was refused: no WARN "inject rejected"
		}
		return err
	}
	req, targets, checks, dest := cr.req, cr.targets, cr.checks, cr.dest
	if cfg.Profile == ProfileOpenAEV {
		openaev.WarnBrokerLimit(log, int64(cfg.MaxPayloadSize)) // as run's profile does, once made
	}
	p, err := newRuntime(o, cfg.injectors, log, runtime.WithLogRedaction(cfg.redaction(o.injectors().manifests()))).Validate(c.Context, req, checks...)
	var pe *hook.PanicError
	if errors.As(err, &pe) {
		return &ExitError{Code: ExitFailed, Err: pe}
	}
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: cfg.relabel(targets.relabel(err)), Hint: cfg.categoryHint(err)}
	}
	// Valid all the same: the machine, not the inject, is at fault, and the
	// tool may be installed before the run.
	var notHere error
	if b, ok := o.injectors().get(req.Injector); ok && b.ok {
		if notHere = cannotRun(o.injectors(), b.m.Name); notHere != nil {
			warnCannotRun(log, b.m.Name, notHere)
		}
		if err := o.injectors().closeExecutors(); err != nil {
			log.Warn("injectors not closed after the preflight", zap.Error(err))
		}
	}
	if cfg.Output == outputJSON {
		// Asked for JSON: one JSON object, not the line of text, saying
		// too (cannot_run) what the WARN says to a reader of stderr.
		v := verdictOf(p, cfg, dest)
		if notHere != nil {
			v.CannotRun = notHere.Error()
		}
		return writeJSON(o, v)
	}
	_, err = fmt.Fprintf(o.Stdout, "valid: %s; %s\n", describe(p), dest)
	return err
}

// injectorSettingsSet refuses, for validate and run alike (checkRun, and
// run's --openaev-message), the injector name whose required settings are
// unset: its every inject would fail, a local configuration mistake no
// platform or backend needs to hear about. serve warns instead
// (warnUnsetRequired). An unknown name, or one without a manifest, is left
// to the checks that name it.
func injectorSettingsSet(o Options, name string, settings injectorSettings, from *origins) error {
	b, ok := o.injectors().get(name)
	if !ok || !b.ok {
		return nil
	}
	if missing := unsetRequired(b.m, settings); len(missing) > 0 {
		m := b.m
		u := missing[0]
		// White space alone is no secret: quoted as written, where it
		// was given, as a blank --token is.
		return usageErr("invalid %s %q%s: required, every inject of %s fails without it (set %s)",
			u.key, u.value, settingSource(from, u.key).where(), m.Name, u.where)
	}
	return nil
}

// settingSource is where the user gave the injector setting key
// ("query.shodan_api_key"), a secret one's included.
func settingSource(from *origins, key string) source {
	if at := from.secretFrom[key]; at != "" {
		return source{key: key, from: at}
	}
	return from.source(key)
}

// unsetSetting is a required injector setting left unset: its key
// ("query.shodan_api_key"), its value as given (blank, or "") and where
// to set it.
type unsetSetting struct{ key, value, where string }

// unsetRequired returns the required settings of m that settings leave
// unset (or blank), in the manifest's order.
func unsetRequired(m framework.Manifest, settings injectorSettings) []unsetSetting {
	var out []unsetSetting
	for _, s := range m.Settings {
		if s.Required && strings.TrimSpace(settings[m.Name][s.Key]) == "" {
			out = append(out, unsetSetting{m.Name + "." + s.Key, settings[m.Name][s.Key], m.SettingWhere(s)})
		}
	}
	return out
}

// warnUnsetRequired logs, once at serve's start, a WARN line for each
// required setting of a served injector left unset: serve starts all the
// same (the other injectors work), and each inject of that injector fails
// until it is set and serve restarted. A setting given blank is named
// with its value and where it was given (from), as run's refusal names
// it.
func warnUnsetRequired(log *zap.Logger, served []framework.Manifest, settings injectorSettings, from *origins) {
	for _, m := range served {
		for _, u := range unsetRequired(m, settings) {
			fields := []zap.Field{zap.String("injector", m.Name), zap.String("setting", u.key)}
			if src := settingSource(from, u.key); src.given() {
				fields = append(fields, zap.String("value", u.value), zap.String("given", src.from))
			}
			log.Warn("required injector setting unset or blank: every inject of "+m.Name+" fails without it",
				append(fields, zap.String("set", u.where))...)
		}
	}
}

// warnPreflight logs, once at serve's start, a WARN line for each served
// injector that says none of its injects can run on this machine (a
// framework.Preflighter: nmap not on PATH). serve serves it all the same:
// the tool may be installed meanwhile. validate logs it for the inject's
// injector, and still says the inject is valid (exit 0).
func warnPreflight(log *zap.Logger, set *injectorSet, served []framework.Manifest) {
	for _, m := range served {
		if err := cannotRun(set, m.Name); err != nil {
			warnCannotRun(log, m.Name, err)
		}
	}
}

// cannotRun is why the injector name cannot run on this machine (its
// Preflight's error), nil when it can or does not say.
func cannotRun(set *injectorSet, name string) error {
	ex, err := set.executor(name)
	if err != nil {
		return nil // said already: checkSettings built it
	}
	p, ok := ex.(framework.Preflighter)
	if !ok {
		return nil
	}
	return set.callHook(name, "Preflight", p.Preflight)
}

// warnCannotRun logs the WARN line of an injector that cannot run here.
func warnCannotRun(log *zap.Logger, name string, err error) {
	log.Warn("injector cannot run on this machine: every inject of "+name+" fails until it can",
		zap.String("injector", name), zap.Error(err))
}

// deliveryChecks builds what run would deliver with, without contacting
// anything (with a backend, the outbox's path and size limit checked, the
// file not opened), and returns the checks of its size limit that send nothing,
// and where the signatures would go.
func deliveryChecks(cfg runConfig, o Options, log *zap.Logger) ([]runtime.Receiver, string, error) {
	if cfg.Backend.URL == "" && cfg.Backend.Token != "" {
		// An empty backend URL is no backend (the output is printed): a
		// token given beside it, most likely with a URL from an unset
		// variable, goes nowhere; said, never shown.
		log.Warn("a token was given" + settingSource(&cfg.origins, "token").where() + " but no backend URL" + cfg.where("backend_url") +
			": nothing is sent and the token is unused (an empty backend URL means no backend: the output is printed)")
	}
	if cfg.Backend.URL != "" {
		if _, err := outboxPath(cfg.Outbox, o); err != nil {
			return nil, "", err
		}
		if err := checkOutboxMaxBytes(cfg.Outbox, &cfg.origins); err != nil {
			return nil, "", err
		}
	}
	if cfg.Profile == ProfileOpenAEV {
		opts := []openaev.Option{openaev.WithLogger(log), openaev.WithProduct(o.product(), o.version())}
		dest := "the platform's calls would be printed to stdout (openaev profile)"
		if cfg.Backend.URL == "" {
			opts = append(opts, openaev.WithDryRun(io.Discard))
		} else {
			hc, err := backendHTTPClient(cfg.Backend, log)
			if err != nil {
				return nil, "", cfg.namedExit(err)
			}
			opts = append(opts, openaev.WithHTTPClient(hc))
			dest = "the results would be reported to the OpenAEV platform at " + httpx.StripCredentials(cfg.Backend.URL) + " (openaev profile)"
		}
		if _, err := openaev.NewClient(openaev.Config{URL: cfg.Backend.URL, Token: cfg.Backend.Token}, opts...); err != nil {
			return nil, "", cfg.namedExit(&ExitError{Code: ExitUsage, Err: urlNamed(err, "backend_url")})
		}
		return []runtime.Receiver{openaev.SizeCheck{MaxPayloadSize: int64(cfg.MaxPayloadSize)}}, dest, nil
	}
	if cfg.Backend.URL == "" {
		return []runtime.Receiver{sizeCheck{cfg.MaxPayloadSize}}, "the signatures would be printed to stdout", nil
	}
	// The size limit is the inject's to check (sizeCheck), with its phase:
	// the client checks the rest of the configuration.
	client, err := newClient(cfg.Backend, o, log, cfg.Backend.URL, 0)
	if err != nil {
		return nil, "", cfg.namedExit(err)
	}
	return []runtime.Receiver{sizeCheck{cfg.MaxPayloadSize}},
		"the signatures would be sent to " + httpx.StripCredentials(client.BaseURL()), nil
}

// describe says what would run: "nmap on 3 network targets, DETECTION,
// timeout 10m0s".
func describe(p *runtime.Prepared) string {
	n, cat := len(p.Targets), ""
	if n > 0 {
		cat = string(p.Targets[0].Config.Category()) + " "
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	var types []string
	for _, t := range p.ExpectationTypes() {
		types = append(types, string(t))
	}
	return fmt.Sprintf("%s on %d %starget%s, %s, timeout %s", p.Request.Injector, n, cat, plural, strings.Join(types, ", "), p.Timeout)
}
