package serve

import (
	"fmt"
	"net"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// checkDialURL is the oracle of FuzzBrokerDialURL: a broker Validate takes
// is dialled at its own host and port, as amqp.DialConfig reads the URI
// dial hands it (amqp.ParseURI); one it refuses for its host is named by
// that host. A host name of letters, digits, dots and hyphens, or an IP
// address, is taken.
func checkDialURL(t *testing.T, b Broker) {
	t.Helper()
	err := b.Validate()
	if err != nil {
		if b.Host != "" && b.Port > 0 && b.Port <= 65535 && !strings.Contains(err.Error(), fmt.Sprintf("%q", b.Host)) {
			t.Fatalf("Validate(host %q, port %d) = %v, want an error naming the host", b.Host, b.Port, err)
		}
		if b.Host != "" && b.Port > 0 && b.Port <= 65535 && plainHost(b.Host) {
			t.Fatalf("Validate(host %q, port %d) = %v, want nil", b.Host, b.Port, err)
		}
		return
	}
	raw := b.dialURL()
	u, perr := amqp.ParseURI(raw)
	if perr != nil {
		t.Fatalf("Validate(host %q) = nil, but the dial URI %q does not parse: %v", b.Host, raw, perr)
	}
	scheme := "amqp"
	if b.TLS {
		scheme = "amqps"
	}
	if u.Host != b.Host || u.Port != b.Port || u.Scheme != scheme {
		t.Fatalf("Validate(host %q, port %d) = nil, but dial would connect to %s host %q port %d",
			b.Host, b.Port, u.Scheme, u.Host, u.Port)
	}
}

// plainHost reports whether h is an IP address or a host name of ASCII
// letters, digits, dots and hyphens: what a platform names its broker by.
func plainHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	return strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == ""
}

func TestBrokerDialURL(t *testing.T) {
	for _, b := range []Broker{
		{Host: "127.0.0.1", Port: 5672},
		{Host: "::1", Port: 5671, TLS: true},
		{Host: "rabbitmq.example.internal", Port: 5672},
		{Host: "RabbitMQ", Port: 1},
		{Host: "rabbit/x", Port: 5673},        // dialled rabbit:5672
		{Host: "rabbit?x", Port: 5673},        // dialled rabbit:5672
		{Host: "rabbit#x", Port: 5673},        // dialled rabbit:5672
		{Host: "guest@127.0.0.1", Port: 5673}, // dialled 127.0.0.1
		{Host: " rabbit", Port: 5672},
		{Host: "[::1]", Port: 5672},
		{Host: "fe80::1%eth0", Port: 5672},
	} {
		t.Run(b.Host, func(t *testing.T) { checkDialURL(t, b) })
	}
}

// FuzzBrokerDialURL checks, for the broker a registration answer names (its
// connection.host, port and use_ssl), that the daemon dials the host and
// port named, or refuses the answer naming the host: never another.
func FuzzBrokerDialURL(f *testing.F) {
	for _, s := range []struct {
		host string
		port int
		tls  bool
	}{
		{"127.0.0.1", 5672, false}, {"::1", 5671, true}, {"rabbit/x", 5673, false},
		{"a@b", 5672, false}, {"fe80::1%eth0", 5672, true}, {"h?x#y", 1, false},
	} {
		f.Add(s.host, s.port, s.tls)
	}
	f.Fuzz(func(t *testing.T, host string, port int, tls bool) {
		checkDialURL(t, Broker{Host: host, Port: port, TLS: tls})
	})
}
