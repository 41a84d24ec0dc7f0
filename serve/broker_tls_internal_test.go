package serve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A broker connection that fails on a certificate names the settings to
// check in its error (the one "broker connection failed" line): the CA
// file when the broker's certificate is refused, the client certificate
// and key when the broker refuses the client's, and the platform's broker
// host when the certificate, signed by a CA trusted, names another (it
// named the CA file, which cannot mend it).
func TestDialNamesTheTLSSettingToFix(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MaxVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	b := Broker{Host: host, Port: p, VHost: "/", User: "guest", Pass: "guest", TLS: true}
	trusted := x509.NewCertPool()
	trusted.AddCert(srv.Certificate())
	// The test server's certificate names example.com, 127.0.0.1 and ::1.
	other := b
	other.Host = "localhost"
	tests := []struct {
		name     string
		broker   Broker
		cfg      *tls.Config
		want     string
		withheld string // a hint that would send the operator to the wrong setting
	}{
		{"broker certificate refused", b, &tls.Config{MinVersion: tls.VersionTLS12}, "check broker_ca_file, --broker-ca-file", ""},
		{"client certificate refused", b, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: trusted},
			"if it wants a client certificate: check broker_cert_file and broker_key_file", ""},
		{"broker certificate for other names", other, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: trusted},
			"not localhost (the broker's certificate does not name the host the platform's registration gives, its openaev.rabbitmq.hostname",
			"check broker_ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dial(context.Background(), tt.broker, tt.cfg, "test", 5*time.Second)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "guest") ||
				tt.withheld != "" && strings.Contains(err.Error(), tt.withheld) {
				t.Errorf("dial: %v, want %q", err, tt.want)
			}
		})
	}
}

// /healthz says why the broker connection fails, not only that it does.
func TestHealthNamesTheBrokerFailure(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	r := newRunner(&Daemon{TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}})
	r.heartbeatOK.Store(true)
	b := Broker{Host: host, Port: p, VHost: "/", User: "guest", Pass: "s3cret", TLS: true}
	_, derr := dial(context.Background(), b, r.d.TLSConfig, "test", 5*time.Second)
	why := derr.Error()
	r.brokerErr.Store(&why) // as the session loop records a failed connection
	h := r.health()
	if !strings.HasPrefix(h.Reason, ReasonBroker+": ") || !strings.Contains(h.Reason, "broker_ca_file") ||
		strings.Contains(h.Reason, "s3cret") {
		t.Errorf("reason %q, want the broker's refused certificate named", h.Reason)
	}
}
