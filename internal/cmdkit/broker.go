package cmdkit

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaskURLError is err, the error of parsing raw, a URL with a password
// that a command is given (-amqp, which amqp.ParseURI parses with
// url.Parse), as it may be shown: url.Parse's error quotes the whole
// input, password and all. Its message names the URL with the password
// masked ("xxxxx") and says what is wrong without quoting the password
// (see maskedParseError); it wraps err.
func MaskURLError(raw string, err error) error {
	return &maskedError{msg: maskedParseError(raw, err), err: err}
}

type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// maskedParseError says why raw did not parse without its password: the
// URL it quotes has the password masked ("xxxxx"), and the password is
// masked wherever else the reason holds it. A password whose user name
// lost its '@' ("amqp://guest:S3cret") reads as the port: such a URL is
// quoted up to that ':' alone ("amqp://guest:REDACTED…"), and the reason
// does not quote the port.
func maskedParseError(raw string, err error) string {
	masked, pass := raw, ""
	scheme, rest, ok := strings.Cut(raw, "://")
	if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
		if user, p, ok := strings.Cut(rest[:at], ":"); ok && p != "" {
			masked, pass = scheme+"://"+user+":xxxxx"+rest[at:], p
		}
	}
	hide := func(s string) string {
		if pass == "" {
			return s
		}
		return strings.ReplaceAll(s, pass, "xxxxx")
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		return hide(err.Error()) // ParseURI's own reasons quote no part of raw
	}
	why := ue.Err.Error()
	var esc url.EscapeError
	switch {
	case errors.As(ue.Err, &esc):
		why = "invalid URL escape"
	case strings.Contains(why, "invalid port"):
		why = "invalid port after the host's ':', not a number"
		if pass == "" && ok {
			auth := rest
			if i := strings.IndexAny(rest, "/?#"); i >= 0 {
				auth = rest[:i]
			}
			if i := strings.LastIndex(auth, ":"); i >= 0 {
				masked = scheme + "://" + auth[:i] + ":REDACTED…"
			}
		}
	}
	reason := strings.ReplaceAll(err.Error(), ue.Error(), why) // what ParseURI adds to url's reason
	return fmt.Sprintf("parse %q: %s", masked, hide(reason))
}
