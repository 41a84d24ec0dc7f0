package cli

import (
	"errors"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/openaev"
)

// The value types of configuration keys that are not Go's own.

// logLevel is a log level: debug, info, warn or error. zap's levels
// above error (dpanic, panic, fatal) are refused: the help names four, and
// at those every ERROR line (a delivery that failed) would be hidden.
type logLevel struct{ zapcore.Level }

func (l *logLevel) UnmarshalText(b []byte) error {
	if err := l.Level.UnmarshalText(b); err != nil || l.Level > zapcore.ErrorLevel {
		levels := []string{"debug", "info", "warn", "error"}
		return errors.New("want " + orList(levels) + meant(string(b), levels))
	}
	return nil
}

// platformVersion is --openaev-version: none when empty.
type platformVersion struct {
	v   openaev.PlatformVersion
	set bool
}

func (p *platformVersion) UnmarshalText(b []byte) error {
	*p = platformVersion{}
	if len(b) == 0 {
		return nil
	}
	v, err := openaev.ParseVersion(string(b))
	var ve *openaev.ValidationError
	switch {
	case errors.As(err, &ve):
		return errors.New(ve.Reason) // the key and value are named by the caller
	case err != nil:
		return err
	}
	p.v, p.set = v, true
	return nil
}

// options returns the client option of the version, none when unset.
func (p platformVersion) options() []openaev.Option {
	if !p.set {
		return nil
	}
	return []openaev.Option{openaev.WithPlatformVersion(p.v)}
}
