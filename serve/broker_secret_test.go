package serve_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// TestBrokerValidateWithholdsThePassword: a platform whose broker hostname
// setting holds a whole AMQP URI hands the password out in the host; the
// error refusing that host quotes it with the password redacted, in none
// of its forms.
func TestBrokerValidateWithholdsThePassword(t *testing.T) {
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
			err := serve.Broker{Host: tt.host, Port: 5672, User: "walk", Pass: pass}.Validate()
			if err == nil {
				t.Fatalf("Validate(host %q) = nil, want an error", tt.host)
			}
			msg := err.Error()
			if !strings.Contains(msg, "[REDACTED]") || !strings.Contains(msg, "is not a host name") {
				t.Errorf("Validate(host %q) = %q, want the host quoted with the password redacted", tt.host, msg)
			}
			for _, form := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass), "W4lk/229", "W4lk%2F229",
				base64.StdEncoding.EncodeToString([]byte("walk:" + pass))} {
				if strings.Contains(msg, form) {
					t.Errorf("Validate(host %q) = %q: shows the password as %q", tt.host, msg, form)
				}
			}
		})
	}
}
