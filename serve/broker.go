package serve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/internal/httpx"
)

// Broker is where to connect: a RabbitMQ broker as a platform's
// registration describes it.
type Broker struct {
	Host  string
	Port  int
	VHost string
	User  string
	// Pass is a secret: it is sent to the broker only, never logged.
	Pass string
	// TLS connects with amqps.
	TLS bool
}

// Registration is a platform's answer to a registration: the broker and
// the queue to consume, exactly as named.
type Registration struct {
	Broker Broker
	Queue  string
}

// String is the one rendering of a broker in logs, errors and /healthz:
// its AMQP URI without user or password, the vhost escaped as its one
// path segment ("amqp://127.0.0.1:5672/%2F" for the vhost "/").
func (b Broker) String() string {
	scheme := "amqp"
	if b.TLS {
		scheme = "amqps"
	}
	return scheme + "://" + net.JoinHostPort(b.shownHost(), strconv.Itoa(b.Port)) + "/" + url.PathEscape(b.vhost())
}

// shownHost is the host as logs and errors show it: a platform whose
// broker hostname setting holds a whole AMQP URI
// ("amqp://user:pass@rabbit:5672") hands out the password in the host,
// which is shown with the password redacted.
func (b Broker) shownHost() string {
	if b.Pass == "" {
		return b.Host
	}
	return httpx.Redact(b.Host, b.Pass)
}

func (b Broker) vhost() string {
	if b.VHost == "" {
		return "/"
	}
	return b.VHost
}

// Validate checks that the broker can be dialled.
func (b Broker) Validate() error {
	switch {
	case b.Host == "":
		return errors.New("broker host is empty")
	case b.Port <= 0 || b.Port > 65535:
		return fmt.Errorf("broker port %d is out of range", b.Port)
	}
	// amqp.DialConfig reads the host and port back from the URI dial
	// hands it: a host with a "/", "?", "#" or "@" would be cut there
	// (the port then 5672, or the host what follows the "@"), one with a
	// space or brackets refused. OpenAEV's own injectors (client-python's
	// pika.ConnectionParameters) take the host as is, no URI.
	if u, err := amqp.ParseURI(b.dialURL()); err != nil || u.Host != b.Host || u.Port != b.Port {
		return fmt.Errorf("broker host %q is not a host name or an IP address", b.shownHost())
	}
	return nil
}

// Validate checks the registration: a broker and a queue name.
func (r Registration) Validate() error {
	if err := r.Broker.Validate(); err != nil {
		return err
	}
	if r.Queue == "" {
		return errors.New("registration names no queue")
	}
	return nil
}

// connectionName is the name the broker shows for the daemon's
// connection (its client-provided connection_name: rabbitmqctl
// list_connections name, the management UI): name, the host and the
// process id, "injectkit-nmap on scanner-1 pid 4242", so that the daemons
// of one injector, on one host or many, are told apart. The consumer tags
// carry the same pid (see connect).
func connectionName(name string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s on %s pid %d", name, host, os.Getpid())
}

// maxShortStr is the most bytes of an AMQP short string (0-9-1, 4.2.5.3:
// a length octet), such as a consumer tag: the client refuses to send a
// longer one.
const maxShortStr = 255

// consumerTag is the tag of the daemon's seq-th consumer: name, the
// process id and seq, "injectkit-nmap-4242-1", the name cut (at a
// character's boundary) so that the tag is an AMQP short string: a name
// the platform takes (an injector name of up to 255 characters) would
// otherwise fail every consume, the daemon retrying without end.
func consumerTag(name string, seq int64) string {
	suffix := fmt.Sprintf("-%d-%d", os.Getpid(), seq)
	if room := maxShortStr - len(suffix); len(name) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	return name + suffix
}

// dialURL is the URI dial hands amqp.DialConfig: the scheme, the host and
// the port; the credentials and the vhost travel in its Config. The host
// is escaped as net/url escapes one (an IPv6 zone's "%" as "%25").
func (b Broker) dialURL() string {
	scheme := "amqp"
	if b.TLS {
		scheme = "amqps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(b.Host, strconv.Itoa(b.Port)), Path: "/"}
	return u.String()
}

// dial opens a connection. The credentials travel in the SASL config, never
// in a URL that could end up in an error message. timeout bounds the TCP
// connect and then the TLS and AMQP handshakes, as amqp.DefaultDial does;
// ctx's end ends either at once (its error then wraps ctx.Err()): a broker
// that accepts connections and answers nothing (a node stopped with
// SIGSTOP, whose kernel still accepts) would otherwise hold a stop for the
// whole timeout.
func dial(ctx context.Context, b Broker, tlsConfig *tls.Config, name string, timeout time.Duration) (*amqp.Connection, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	var (
		mu  sync.Mutex
		raw net.Conn // the TCP connection, once made
	)
	cfg := amqp.Config{
		SASL:      []amqp.Authentication{&amqp.PlainAuth{Username: b.User, Password: b.Pass}},
		Vhost:     b.vhost(),
		Heartbeat: 10 * time.Second,
		Dial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: timeout}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// The handshakes' deadline, cleared by amqp once they are done.
			if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
				c.Close()
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			raw = c
			if ctx.Err() != nil { // ended before raw was set: the AfterFunc saw none
				_ = c.SetDeadline(time.Now())
			}
			return c, nil
		},
		Properties: amqp.NewConnectionProperties(),
	}
	cfg.Properties.SetClientConnectionName(name)
	if b.TLS {
		if tlsConfig != nil {
			cfg.TLSClientConfig = tlsConfig.Clone()
		} else {
			cfg.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	ended := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if raw != nil {
			_ = raw.SetDeadline(time.Now()) // the handshake's reads and writes fail at once
		}
	})
	conn, err := amqp.DialConfig(b.dialURL(), cfg)
	if !ended() { // ctx ended during the dial: whatever it made is not used
		if err == nil {
			_ = conn.CloseDeadline(time.Now())
		}
		return nil, fmt.Errorf("dial %s: %w", b, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w%s", b, err, tlsHint(err, cfg.TLSClientConfig))
	}
	return conn, nil
}

// tlsHint names, for a broker connection that failed on a certificate,
// the settings to check: the broker's certificate refused (the CAs
// trusted; or, signed by a trusted CA, for other names than the host the
// registration gives, or expired, which no CA file changes), or the client's refused
// by the broker (a TLS alert about it, or a handshake failure when no
// client certificate was given: what a broker wanting one answers over
// TLS 1.2).
func tlsHint(err error, cfg *tls.Config) string {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		if ci, ok := errors.AsType[x509.CertificateInvalidError](err); ok && ci.Reason == x509.Expired {
			return " (the broker's certificate has expired, or is not valid yet: renew it on the broker, or check " +
				"this host's clock; no broker_ca_file changes that)"
		}
		if _, ok := errors.AsType[x509.HostnameError](err); ok {
			return " (the broker's certificate does not name the host the platform's registration gives, its " +
				"openaev.rabbitmq.hostname; no broker_ca_file changes that: name the broker there by a name its " +
				"certificate holds, or give the broker a certificate for that host)"
		}
		return " (check broker_ca_file, --broker-ca-file: the CAs trusted for the broker's certificate)"
	}
	const client = "check broker_cert_file and broker_key_file, --broker-cert-file and --broker-key-file"
	msg := err.Error()
	for _, alert := range []string{"bad certificate", "certificate required", "unknown certificate authority",
		"expired certificate", "revoked certificate", "unsupported certificate", "unknown certificate"} {
		if strings.Contains(msg, "remote error: tls: "+alert) {
			return " (the broker refused the client certificate: " + client + ")"
		}
	}
	if strings.Contains(msg, "remote error: tls: handshake failure") && (cfg == nil || len(cfg.Certificates) == 0) {
		return " (the broker ended the handshake; if it wants a client certificate: " + client + ")"
	}
	return ""
}

// brokerText returns err with the text the broker wrote in it, the reply
// text of its connection.close or channel.close, passed through
// red.ServerText: a broker may quote what it was sent there (the
// password, split over lines or not), and its text is then withheld
// whole. The *amqp.Error the result unwraps to is that redacted copy, its
// code kept (queueMissing reads it). nil stays nil.
func brokerText(err error, red *httpx.Redactor) error {
	var ae *amqp.Error
	if !errors.As(err, &ae) || ae == nil {
		return err // nil: a typed nil from a NotifyClose channel too
	}
	shown := *ae
	shown.Reason = red.ServerText(ae.Reason)
	msg := red.Redact(strings.ReplaceAll(err.Error(), ae.Error(), shown.Error()))
	return &shownError{msg: msg, broker: &shown}
}

// shownError is a broker's error as brokerText shows it.
type shownError struct {
	msg    string
	broker *amqp.Error
}

func (e *shownError) Error() string { return e.msg }
func (e *shownError) Unwrap() error { return e.broker }
