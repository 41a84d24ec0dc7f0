// Package cli builds the injectkit command line: the urfave/cli application
// over injectable standard streams and environment, its configuration
// layers, the mapping of outcomes to exit codes, and the process's
// signals (Main, which a binary's main calls and exits with: only main
// calls os.Exit).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
)

// Exit codes.
const (
	ExitOK       = 0 // signatures delivered (or printed); the outcome was success or partial
	ExitDelivery = 1 // delivery failed
	ExitUsage    = 2 // invalid input or usage; nothing was sent
	ExitFailed   = 3 // signatures delivered (or printed); the outcome was failed or timeout (Ctrl-C included)
)

// ExitError carries an exit code to main.
type ExitError struct {
	Code int
	Err  error
	// Hint, when set, is printed after the error as one more line.
	Hint string
}

func (e *ExitError) Error() string {
	if e.Err == nil { // the exit code says it all (ExitFailed: a WARN line was logged)
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// Options are what the application is built over.
type Options struct {
	Registry *framework.Registry
	// Name is the binary's name in its help, errors and hints (default
	// "injectkit"); Usage its one-line description in the help. It also
	// names the binary's default outbox, $XDG_STATE_HOME/<Name>/outbox.db,
	// else ~/.local/state/<Name>/outbox.db, and is serve's default
	// injector_name and injector_type: a third-party binary never shares
	// injectkit's outbox or registers as injectkit. The environment
	// variables keep the INJECTKIT_ prefix whatever the Name: they are the
	// framework's settings (INJECTKIT_TOKEN, INJECTKIT_OUTBOX, …).
	Name  string
	Usage string
	// Product is the User-Agent product of every request, sent as
	// "<Product>/<Version>" (default Name).
	Product string
	// Version, Commit and GoVersion are what `version` prints (defaults
	// "dev", "unknown" and runtime.Version()): cmd/injectkit passes the
	// values stamped at build time.
	Version   string
	Commit    string
	GoVersion string
	Stdout    io.Writer
	Stderr    io.Writer
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Environ lists the environment as key=value, for the check that
	// each INJECTKIT_ variable is one a command or an injector reads
	// (default os.Environ when Getenv is nil too; nil with a Getenv of
	// one's own: no such check).
	Environ func() []string
	// Abort is what Main fires at a second interrupt (see Abort); Main
	// makes it when nil. Set it only to run the application with Run,
	// as a test does; nil there: none.
	Abort *Abort

	// built are the injectors of Registry, built once for the
	// application (NewApp): see injectors.
	built *injectorSet
	// args is the command line as typed (Run's), which an error about a
	// command's arguments reads for the flag a word followed
	// (boolValueHint).
	args []string
	// retryDelay, when positive, is the first wait between the attempts of
	// a request to a backend or the platform, doubling after each retry
	// (default the clients' 1 s): a test seam for fast retries.
	retryDelay time.Duration
	// lookupHost, when set, resolves host names for the runtime (the
	// machine's own, asset host names before a run, host-name targets'
	// routes) and serve's listen address (warnListenAddr) instead of the
	// system resolver: a test seam, set by the tests that must send no DNS
	// query (see export_test.go).
	lookupHost func(ctx context.Context, host string) ([]string, error)
	// now, when set, is the clock of the openaev profile's notes of the
	// completes it sent (the ingestion window) and of the outbox that
	// keeps them (default time.Now): a test seam, set by the tests that
	// move the window's time by hand instead of waiting for it (see
	// export_test.go).
	now func() time.Time
	// exits is how Run writes the lines the command exits with (plain, or
	// JSON log lines for a command that logs JSON): Run makes it.
	exits *exitLines
}

const exitHelp = `EXIT CODES:
   0  the signatures were delivered (or printed); the injector's outcome was success or partial
   1  delivery failed: the bodies are kept in the outbox (one line on stderr names it, the
      count and the injectkit outbox flush command that resends them), or, without an
      outbox (or room in it: they are sent unstored first), printed to stderr as JSON; with the openaev profile, also a reception the platform never
      acknowledged, or asset groups whose members the platform failed to list (5xx, 429, unreachable):
      the inject did not run, nothing was stored (a hint line says so), or a token the platform
      refuses (401) at its first answer: one line says so, nothing ran, was sent or stored; for every command, a stdout
      that could not be written (a full disk; for a run without a backend URL, a
      pipe closed early too) when it was the command's output: one line on stderr says so (a run with a backend URL,
      outbox flush, retry-dead and drop keep their code: stdout only reported what they sent); any
      other stdout whose reader stops early (| head -n 1) drops the rest: its own code, nothing said
   2  invalid input, usage, or an unusable outbox (corrupt, locked, full, not writable):
      one line on stderr names the field and the value or the file; nothing was sent
      (with the openaev profile, an inject that names its id and whose targets or params the injector refuses
      still gets its reception and terminal INVALID_USAGE; a setting that cannot be read at all, such as
      a --param without =, an --expectation the injector does not declare or a --timeout of 0, sends nothing)
   3  the signatures were delivered (or printed), but the injector's outcome was failed or timeout
      (the deadline, or Ctrl-C): one WARN line on stderr says so; also a panic of one of the
      injector's methods (its factory, Manifest, Execute, ValidateTargets, its params' Validate,
      Configure, Close):
      one line names the injector and the method
   130  interrupted (SIGINT, SIGTERM or SIGHUP) while reading the run's input files, waiting for the
      outbox's lock or, with the openaev profile, waiting on the platform (its version, the inject's
      status): nothing ran, was sent or stored (once the injector runs, the first signal
      makes it a timeout: exit 3); or a second signal: while the signatures are sent, nothing
      more is posted and every body not delivered is kept in the outbox (stored first if it was
      not; one line counts them), or without an outbox printed to stderr; a third exits at once
   serve exits 0, 1, 2, or 130 on a second signal while it stops: an inject's outcome, whatever it
   is, never changes its exit code
   SIGQUIT (Ctrl-\) is left to the Go runtime, for a process that seems stuck: the stacks of every
      goroutine on stderr (functions and addresses, no values: no token, target or body), then exit 2
      at once, as a kill: nothing more is sent or stored; what the outbox holds, a flush (or serve) resends`

// NewApp returns the injectkit application.
func NewApp(o Options) *ucli.App {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
		if o.Environ == nil {
			o.Environ = os.Environ
		}
	}
	o.Version = o.version()
	o.built = newInjectorSet(o.Registry)
	app := &ucli.App{
		Name:      o.name(),
		Usage:     o.usage(),
		Version:   o.Version,
		Writer:    o.Stdout,
		ErrWriter: o.Stderr,
		// Errors are printed by Run, once, with the exit code.
		ExitErrHandler:        func(*ucli.Context, error) {},
		HideVersion:           true,
		EnableBashCompletion:  false,
		CustomAppHelpTemplate: ucli.AppHelpTemplate + "\n" + exitHelp + "\n",
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			if be := badBoolFlag(err); be != nil {
				return be
			}
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w (see %s --help)", err, o.name()), Hint: flagHint(rootFlags(), nil, err)}
		},
		Flags:  rootFlags(),
		Before: versionBefore(o),
		Action: rootAction(o),
		Commands: []*ucli.Command{
			runCommand(o),
			validateCommand(o),
			serveCommand(o),
			injectorsCommand(o),
			outboxCommand(o),
			versionCommand(o),
			completionCommand(o),
		},
	}
	finishApp(o, app)
	return app
}

// command returns a top-level command with its help: what its arguments
// are, a one-line usage, and the description, whose lines are joined with
// newlines.
func command(name, argsUsage, usage string, description ...string) *ucli.Command {
	return &ucli.Command{Name: name, ArgsUsage: argsUsage, Usage: usage, Description: strings.Join(description, "\n")}
}

// argsError is the usage error of a command given arguments it does not
// take: "<command> takes <takes>, got "<the arguments>"" (name is the
// command as written: "run", "outbox flush"), redacted of the secrets as
// given (givenSecrets), as every other error of the command: a word may
// be the token pasted in the wrong place. Every usage error quoting the
// command's words is made here.
func argsError(c *ucli.Context, o Options, name, takes string) error {
	return redactGiven(c, o, nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s takes %s, got %q", name, takes, strings.Join(c.Args().Slice(), " ")),
		Hint: boolValueHint(c.Command.Flags, o.args)})
}

// wordsError is usageErr redacted of the secrets as given: the usage
// error of a command's words (see argsError).
func wordsError(c *ucli.Context, o Options, format string, args ...any) error {
	return redactGiven(c, o, nil, usageErr(format, args...))
}

// helpFlag is urfave/cli's --help flag, applied on a copy. The library
// keeps it in one package variable, a *BoolFlag whose Apply writes to
// itself, and adds it to every command: two applications running at once
// in one process (the tests run commands in parallel) would race on it.
// It is set once, at init, and never changed afterwards.
type helpFlag struct{ *ucli.BoolFlag }

func (h helpFlag) Apply(set *flag.FlagSet) error {
	cp := *h.BoolFlag
	return cp.Apply(set)
}

// GetDefaultText is empty: help shows no "(default: false)" for --help.
func (h helpFlag) GetDefaultText() string { return "" }

func init() {
	ucli.HelpFlag = helpFlag{&ucli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help", DisableDefaultText: true}}
}

// rootFlags are the application's own flags.
func rootFlags() []ucli.Flag {
	// --help is the application's own: urfave/cli adds its HelpFlag only
	// to an application without a help command, and it has its own (see
	// finishApp).
	return []ucli.Flag{&ucli.BoolFlag{Name: versionFlag, Usage: "print the version"},
		&ucli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help", DisableDefaultText: true}}
}

// Run runs the application on args and returns the process exit code. Errors
// are printed to stderr as one line.
//
// The process never dies of SIGPIPE: Run asks to be notified of it (and
// drops the notices), so that a stdout or stderr closed early (`| head -n
// 1`) fails the writes to it (EPIPE) rather than killing the process
// mid-protocol, a run's deliveries, outbox removals and terminal callbacks
// half done. It is not ignored: an ignored SIGPIPE would be inherited by
// the programs an injector starts (nmap), a notified one is not. A stderr that cannot
// be written is ignored; a stdout whose reader stopped reading drops the
// rest of the output, but for a dry run, whose stdout is its product
// (stdoutProduct); a stdout that cannot be written otherwise is the one
// rule of stdoutExit, whatever the command.
func Run(ctx context.Context, o Options, args []string) int {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	out := &stdoutWriter{w: o.Stdout}
	o.Stdout = out
	o.exits = &exitLines{}
	code, said := run(ctx, o, args)
	return stdoutExit(o, out, code, said)
}

// run is Run but for stdout's failure: it returns the exit code, and
// whether the error it printed was stdout's.
func run(ctx context.Context, o Options, args []string) (int, bool) {
	o.args = args
	app := NewApp(o)
	if isCompletion(args) {
		complete(o, app, args)
		return ExitOK, false
	}
	cmd, _ := commandOf(app, args)
	if cmd != nil {
		namesOnce(cmd)
	}
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return ExitOK, false
	}
	o.exits.fallback(cmd, o.Getenv)
	err = explain(o, app, args, err)
	said := isStdoutError(err)
	var ee *ExitError
	if errors.As(err, &ee) {
		text := ""
		if ee.Err != nil {
			text = o.rename(dashesAsTyped(ee.Err.Error(), args))
		}
		o.sayExit(ee.Code, text, o.rename(ee.Hint))
		return ee.Code, said && ee.Err != nil
	}
	code := ExitUsage // urfave/cli usage errors (unknown flag, bad value)
	if said {
		// A command's output not written (version, validate, completion…):
		// its product lost, not a usage error.
		code = ExitDelivery
	}
	o.sayExit(code, o.rename(dashesAsTyped(err.Error(), args)), "")
	return code, said
}

// encoderConfig is the encoding of every log line: zap's production
// fields, times in RFC 3339 UTC to the millisecond (logTime).
func encoderConfig() zapcore.EncoderConfig {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = logTime
	return encCfg
}

// logTime writes a log line's time as 2026-12-05T09:17:41.518Z, in UTC as
// every time injectkit prints: zap's ISO 8601 encoder writes the local
// zone as -0500, which RFC 3339 parsers (a pipeline's) refuse.
func logTime(t time.Time, enc zapcore.PrimitiveArrayEncoder) {
	enc.AppendString(t.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
}

// newLogger builds the stderr logger of one command, which writes a
// warning about its configuration once (onceCore).
func newLogger(w io.Writer, lc logConfig) (*zap.Logger, error) {
	encCfg := encoderConfig()
	var enc zapcore.Encoder
	switch lc.Format {
	case "json":
		enc = jsonEncoder()
	case "console", "":
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = shownEncoder{Encoder: zapcore.NewConsoleEncoder(encCfg), console: true}
	default:
		return nil, usageErr("invalid log_format %q: want console or json", lc.Format)
	}
	return zap.New(newOnceCore(zapcore.NewCore(enc, logSink(w), lc.Level.Level))), nil
}

// jsonEncoder is the encoder of the JSON log lines.
func jsonEncoder() zapcore.Encoder {
	return shownEncoder{Encoder: zapcore.NewJSONEncoder(encoderConfig())}
}

// jsonLineLogger writes each entry, at every level, to w as one JSON log
// line: the lines a command writes beside its own logger, in its format
// (its exit line, the signatures it could not deliver).
func jsonLineLogger(w io.Writer) *zap.Logger {
	return zap.New(newOnceCore(zapcore.NewCore(jsonEncoder(), logSink(w), zapcore.DebugLevel)))
}

// logSink is w as a logger writes to it, an entry a Write: Sync has nothing
// to flush, and a file's Sync (stderr redirected to a file) would fsync it,
// a disk flush at the end of every command for lines the kernel has.
func logSink(w io.Writer) zapcore.WriteSyncer {
	if _, ok := w.(*os.File); ok {
		return zapcore.AddSync(struct{ io.Writer }{w})
	}
	return zapcore.AddSync(w)
}
