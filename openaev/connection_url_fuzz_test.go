package openaev_test

import (
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/openaev"
)

// FuzzConnectionURL checks the AMQP URI of the broker a registration
// answer names (its connection object: host, port, vhost, user, pass,
// use_ssl): for every broker the daemon takes (serve.Broker's Validate),
// the AMQP client reads back from Connection.URL (amqp.ParseURI) the
// broker it names, the password and a vhost with "/", "%" or "@" in it
// included ("" is the default vhost, "/"), and String shows it as serve
// does.
func FuzzConnectionURL(f *testing.F) {
	f.Add("127.0.0.1", 5672, "/", "guest", "p@ss/word", false)
	f.Add("::1", 5671, "openaev", "u:x", "%41", true)
	f.Add("fe80::1%eth0", 1, "", "", "", false)
	f.Add("rabbit", 65535, "a b/c?#%2F", "ü@", ":", true)
	f.Fuzz(func(t *testing.T, host string, port int, vhost, user, pass string, ssl bool) {
		c := openaev.Connection{Host: host, Port: port, VHost: vhost, User: user, Pass: pass, UseSSL: ssl}
		if c.Broker().Validate() != nil {
			return
		}
		if c.String() != c.Broker().String() {
			t.Fatalf("String() = %s, serve shows the broker as %s", c.String(), c.Broker())
		}
		raw := c.URL()
		u, err := amqp.ParseURI(raw)
		if err != nil {
			t.Fatalf("URL() of %#v does not parse: %v", c, err)
		}
		type fields struct {
			Scheme, Host       string
			Port               int
			Username, Password string
			Vhost              string
		}
		want := fields{Scheme: "amqp", Host: host, Port: port, Username: user, Password: pass, Vhost: vhost}
		if ssl {
			want.Scheme = "amqps"
		}
		if vhost == "" {
			want.Vhost = "/"
		}
		got := fields{Scheme: u.Scheme, Host: u.Host, Port: u.Port, Username: u.Username, Password: u.Password, Vhost: u.Vhost}
		if got != want {
			t.Fatalf("URL() of %#v reads back as host %q port %d vhost %q user %q (password kept: %t), want host %q port %d vhost %q user %q",
				c, got.Host, got.Port, got.Vhost, got.Username, got.Password == pass, host, port, want.Vhost, user)
		}
	})
}
