package cmdkit

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/internal/httpx"
)

// ParseBrokerURL parses raw, the amqp:// or amqps:// URL of a loopback
// RabbitMQ broker a command is given (-amqp), as amqp091 dials it
// (amqp.ParseURI). Its error never shows the password: url.Parse's
// quotes the whole input, password and all; this one names the URL with
// the password masked ("xxxxx") and says what is wrong without quoting
// it (see maskedParseError). The parse error is wrapped all the same.
func ParseBrokerURL(raw string) (amqp.URI, error) {
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		return amqp.URI{}, httpx.RedactErrorWith(err, func(string) string { return maskedParseError(raw, err) })
	}
	return uri, nil
}

// ShownBroker is uri as a log line or an error names the broker: its
// scheme, host, port and vhost, without user nor password.
func ShownBroker(uri amqp.URI) string {
	shown := uri.Scheme + "://" + net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port)) + "/"
	if uri.Vhost != "/" {
		shown += url.PathEscape(uri.Vhost)
	}
	return shown
}

// maskedParseError says why amqp.ParseURI refused raw without its
// password: the URL it quotes has the password masked ("xxxxx"), and
// the password is masked wherever else the reason holds it. A password
// whose user name lost its '@' ("amqp://guest:S3cret") reads as the port:
// such a URL is quoted as httpx.MaskURL shows it (its port "REDACTED"),
// and the reason does not quote the port.
func maskedParseError(raw string, err error) string {
	masked, pass := httpx.MaskURL(raw), ""
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if user, p, ok := strings.Cut(rest[:at], ":"); ok && p != "" {
				masked, pass = scheme+"://"+user+":xxxxx"+rest[at:], p
			}
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
	}
	reason := strings.ReplaceAll(err.Error(), ue.Error(), why) // what ParseURI adds to url's reason
	return fmt.Sprintf("parse %q: %s", masked, hide(reason))
}
