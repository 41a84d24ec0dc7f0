package cli

import (
	"errors"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ExitMessage is the msg of the JSON log line serve ends with when it
// exits on an error and logs JSON (see jsonExit): its fields are
// exit_code, error (what the plain line would say after "injectkit: ")
// and, when there is one, hint.
const ExitMessage = "exiting on an error"

// jsonExit writes err, the error serve is about to exit with, as one
// ERROR JSON log line (ExitMessage) when serve logs JSON (format, else
// the format the command line or the environment gives, for an error met
// before the configuration was decoded), and returns an ExitError of the
// same code that Run prints nothing of. A console log, or an error met
// before the log format is known, keeps Run's plain "injectkit: …" line:
// under --log-format json that line was the one line of stderr a log
// pipeline could not parse, and the one saying why the daemon stopped.
// err is already redacted (serveAction's redactGiven).
func jsonExit(c *ucli.Context, o Options, format string, err error) error {
	if err == nil {
		return nil
	}
	if format == "" {
		format = givenLogFormat(c, o.Getenv)
	}
	if format != "json" {
		return err
	}
	err = explain(o, c.App, o.args, err)
	code, text, hint := ExitUsage, err.Error(), ""
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err == nil {
			return err // nothing to print: Run prints nothing either
		}
		code, text, hint = ee.Code, ee.Err.Error(), ee.Hint
	}
	log, lerr := newLogger(o.Stderr, logConfig{Level: logLevel{zapcore.DebugLevel}, Format: format})
	if lerr != nil {
		return err
	}
	fields := []zap.Field{zap.Int("exit_code", code), zap.String("error", o.rename(dashesAsTyped(text, o.args)))}
	if hint != "" {
		fields = append(fields, zap.String("hint", o.rename(hint)))
	}
	log.Error(ExitMessage, fields...)
	return &ExitError{Code: code}
}
