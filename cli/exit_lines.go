package cli

import (
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
)

// ExitMessage is the msg of the JSON log line a command that logs JSON
// ends with when it exits on an error: its fields are exit_code, error
// (what the plain line would say after "injectkit: ") and, when there is
// one, hint.
const ExitMessage = "exiting on an error"

// exitLines is how one Run writes the lines its command exits with: the
// error and its hint, and the line saying stdout was not written. They
// are plain "injectkit: …" lines, unless the command logs JSON: then each
// is one JSON log line (ERROR ExitMessage), so that a stderr given to a
// log pipeline stays a JSON stream to its end. The exit line was the one
// line of such a stream a pipeline could not parse, and the one saying
// why the command stopped. Run makes one per invocation; the command
// sets it in its own goroutine before it returns, and Run reads it after.
type exitLines struct {
	// format is the command's log format, as jsonExit or exitsAsLogged
	// set it ("" before: see fallback).
	format string
}

// jsonExit records format, the log format of the command about to return
// err (else, when format is "", the one its command line or the
// environment gives: an error met before its configuration was decoded),
// so that Run writes err's exit line in that format. It returns err. run,
// validate, serve and the outbox commands call it with the format their
// configuration decoded, their config file's included.
func jsonExit(c *ucli.Context, o Options, format string, err error) error {
	if o.exits == nil {
		return err
	}
	if format == "" {
		format = givenLogFormat(c, o.Getenv)
	}
	o.exits.format = normalLogFormat(format)
	return err
}

// normalLogFormat is a log format as written (any case, white space
// around it), as the configuration reads it.
func normalLogFormat(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// exitsAsLogged makes cmd, and each of its subcommands, that returns an
// error without having said its log format (jsonExit) exit in the format
// its command line or the environment gives (--log-format,
// INJECTKIT_LOG_FORMAT): injectors.
func exitsAsLogged(o Options, cmd *ucli.Command) {
	for _, sub := range cmd.Subcommands {
		exitsAsLogged(o, sub)
	}
	action := cmd.Action
	if action == nil || o.exits == nil {
		return
	}
	cmd.Action = func(c *ucli.Context) error {
		err := action(c)
		if err != nil && o.exits.format == "" {
			o.exits.format = normalLogFormat(givenLogFormat(c, o.Getenv))
		}
		return err
	}
}

// fallback sets the format of a command whose action did not run (a
// usage error urfave/cli met first: an unknown flag) to the environment's,
// when cmd takes a log format. A --log-format after the flag it refused
// was never read.
func (e *exitLines) fallback(cmd *ucli.Command, getenv func(string) string) {
	if e == nil || e.format != "" || cmd == nil {
		return
	}
	if getenv == nil {
		getenv = os.Getenv // as NewApp defaults it
	}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == "log-format" {
				e.format = normalLogFormat(getenv(envPrefix + "LOG_FORMAT"))
				return
			}
		}
	}
}

// json reports whether the command logs JSON.
func (e *exitLines) json() bool { return e != nil && e.format == "json" }

// sayExit writes the lines of a command exiting with code: its error text
// (none when "") and its hint (none when ""), both renamed already
// (Options.rename) and redacted of the command's secrets.
func (o Options) sayExit(code int, text, hint string) {
	switch {
	case text == "" && hint == "":
		// Nothing to say: the command said why (a failed inject's WARN).
		return
	case !o.exits.json():
		if text != "" {
			fmt.Fprintf(o.Stderr, "%s: %s\n", o.name(), shown(text))
		}
		if hint != "" {
			fmt.Fprintf(o.Stderr, "%s: hint: %s\n", o.name(), shown(hint))
		}
		return
	}
	log := jsonLineLogger(o.Stderr)
	fields := []zap.Field{zap.Int("exit_code", code)}
	if text != "" {
		fields = append(fields, zap.String("error", text))
	}
	if hint != "" {
		fields = append(fields, zap.String("hint", hint))
	}
	if code == ExitOK {
		// The stdout of a command that only reported on it (a run with a
		// backend URL, a flush) not written: it keeps its code, and this
		// is no exit on an error.
		log.Warn("stdout not written", fields...)
		return
	}
	log.Error(ExitMessage, fields...)
}
