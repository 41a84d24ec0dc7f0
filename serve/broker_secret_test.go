package serve_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// TestBrokerWithholdsThePasswordInItsHost: a platform whose broker hostname
// setting holds a whole AMQP URI hands the password out in the host; the
// error refusing that host, and the broker as logs show it (String, which
// the "registered" DEBUG line logs before the host is refused), quote it
// with the password redacted, in none of its forms.
func TestBrokerWithholdsThePasswordInItsHost(t *testing.T) {
	const pass = "aMqp+W4lk/229Xy"
	tests := []struct {
		name, host string
	}{
		{"URI", "amqp://walk:" + pass + "@rabbit.internal:5672"},
		{"URI percent-encoded", "amqps://walk:" + url.QueryEscape(pass) + "@rabbit.internal/%2F"},
		{"user information", "walk:" + pass + "@rabbit.internal"},
		{"after a space", "rabbit " + pass},
		{"base64 basic form", "rabbit/" + base64.StdEncoding.EncodeToString([]byte("walk:"+pass))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := serve.Broker{Host: tt.host, Port: 5672, User: "walk", Pass: pass}
			err := b.Validate()
			if err == nil {
				t.Fatalf("Validate(host %q) = nil, want an error", tt.host)
			}
			for _, shown := range []struct{ what, msg, want string }{
				{"Validate", err.Error(), "is not a host name"},
				{"String", b.String(), "amqp://"},
			} {
				if !strings.Contains(shown.msg, "[REDACTED]") || !strings.Contains(shown.msg, shown.want) {
					t.Errorf("%s(host %q) = %q, want the host shown with the password redacted", shown.what, tt.host, shown.msg)
				}
				for _, form := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass), "W4lk/229", "W4lk%2F229",
					base64.StdEncoding.EncodeToString([]byte("walk:" + pass))} {
					if strings.Contains(shown.msg, form) {
						t.Errorf("%s(host %q) = %q: shows the password as %q", shown.what, tt.host, shown.msg, form)
					}
				}
			}
		})
	}
}
