// Package cli builds the injectkit command line: the urfave/cli application
// over injectable standard streams and environment, its configuration
// layers, and the mapping of outcomes to exit codes. Only cmd/injectkit's
// main calls os.Exit.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
)

// Exit codes.
const (
	ExitOK       = 0 // signatures delivered (or printed), whatever the tool's outcome
	ExitDelivery = 1 // delivery failed
	ExitUsage    = 2 // invalid input or usage; nothing was sent
)

// ExitError carries an exit code to main.
type ExitError struct {
	Code int
	Err  error
	// Hint, when set, is printed after the error as one more line.
	Hint string
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Options are what the application is built over.
type Options struct {
	Registry *framework.Registry
	Version  string
	Stdout   io.Writer
	Stderr   io.Writer
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
}

const exitHelp = `EXIT CODES:
   0  the signatures were delivered (or printed), whatever the tool's outcome
   1  delivery failed: the bodies are kept in the outbox (one line on stderr names it and
      the count; resend with: injectkit outbox flush), or, without an outbox, printed to
      stderr as JSON
   2  invalid input, usage, or an unusable outbox (corrupt, locked, full, not writable):
      one line on stderr names the field and the value or the file; nothing was sent
      (with the openaev profile, an inject that names its id still gets its reception and terminal INVALID_USAGE)`

// NewApp returns the injectkit application.
func NewApp(o Options) *ucli.App {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	app := &ucli.App{
		Name:      "injectkit",
		Usage:     "run attack-simulation injectors and report their expectation signatures",
		Version:   o.Version,
		Writer:    o.Stdout,
		ErrWriter: o.Stderr,
		// Errors are printed by Run, once, with the exit code.
		ExitErrHandler:        func(*ucli.Context, error) {},
		HideVersion:           true,
		EnableBashCompletion:  false,
		CustomAppHelpTemplate: ucli.AppHelpTemplate + "\n" + exitHelp + "\n",
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usageErr("%v (see injectkit --help)", err)
		},
		Commands: []*ucli.Command{
			runCommand(o),
			serveCommand(o),
			injectorsCommand(o),
			outboxCommand(o),
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(c *ucli.Context) error {
					fmt.Fprintf(o.Stdout, "injectkit %s\n", o.Version)
					return nil
				},
			},
		},
	}
	return app
}

// Run runs the application on args and returns the process exit code. Errors
// are printed to stderr as one line.
func Run(ctx context.Context, o Options, args []string) int {
	app := NewApp(o)
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(o.Stderr, "injectkit: %v\n", ee.Err)
		}
		if ee.Hint != "" {
			fmt.Fprintf(o.Stderr, "injectkit: hint: %s\n", ee.Hint)
		}
		return ee.Code
	}
	// urfave/cli usage errors (unknown flag, bad value).
	fmt.Fprintf(o.Stderr, "injectkit: %v\n", err)
	return ExitUsage
}

func injectorsCommand(o Options) *ucli.Command {
	return &ucli.Command{
		Name:  "injectors",
		Usage: "list the registered injectors with their category, description and params",
		Action: func(c *ucli.Context) error {
			tw := tabwriter.NewWriter(o.Stdout, 0, 4, 2, ' ', 0)
			for _, m := range manifests(o.Registry) {
				cat := string(m.Category)
				if cat == "" {
					cat = "any"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, cat, m.Description)
				for _, p := range m.Params {
					typ := p.Type
					if p.Type == framework.ParamEnum {
						typ = strings.Join(p.Enum, "|")
					}
					def := ""
					if p.Default != "" {
						def = " (default " + p.Default + ")"
					}
					fmt.Fprintf(tw, "\t  --param %s=<%s>\t%s%s\n", p.Name, typ, p.Doc, def)
				}
				for _, s := range m.Settings {
					fmt.Fprintf(tw, "\t  setting %s.%s / %s\t%s\n", m.Name, s.Key, s.Env, s.Doc)
				}
			}
			return tw.Flush()
		},
	}
}

// manifests returns the manifest of every registered injector, by name.
func manifests(r *framework.Registry) []framework.Manifest {
	var out []framework.Manifest
	for _, name := range r.Names() {
		ex, err := r.New(name)
		if err != nil {
			continue
		}
		m := framework.Manifest{Name: name}
		if mf, ok := ex.(framework.Manifester); ok {
			m = mf.Manifest()
			m.Name = name
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// newLogger builds the stderr logger.
func newLogger(w io.Writer, lc logConfig) (*zap.Logger, error) {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch lc.Format {
	case "json":
		enc = zapcore.NewJSONEncoder(encCfg)
	case "console", "":
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	default:
		return nil, usageErr("invalid log_format %q: want console or json", lc.Format)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), lc.Level.Level)), nil
}

// interspersed moves a subcommand's positional arguments after its flags,
// so that `run noop --target x` parses like `run --target x noop`
// (urfave/cli stops reading flags at the first positional argument).
func interspersed(app *ucli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	// Find the innermost command named: `outbox drop 7 --outbox f` takes
	// the flags of drop.
	var cmd *ucli.Command
	at := -1
	cmds := app.Commands
	for i := 1; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			continue
		}
		var next *ucli.Command
		for _, c := range cmds {
			if c.HasName(args[i]) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		cmd, at = next, i
		if len(next.Subcommands) == 0 {
			break
		}
		cmds = next.Subcommands
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*ucli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	out := append([]string(nil), args[:at+1]...)
	var positional []string
	rest := args[at+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i+1:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			out = append(out, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				i++
				out = append(out, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}
