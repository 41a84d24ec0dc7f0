package openaev_test

import (
	"context"
	"crypto/tls"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationServeTLSPrivateCA runs serve against a broker of its own
// with a TLS listener whose certificate a CA made in the test signed, and
// that wants a client certificate, and a platform served over HTTPS with
// a certificate of the same CA: use_ssl from the registration is honoured,
// the broker and the platform are trusted through the CA files, and
// without them the connections are refused.
func TestIntegrationServeTLSPrivateCA(t *testing.T) {
	testkit.Integration(t)
	ca := servetest.NewCA(t)
	brokerCert, clientCert := ca.Server(t, "broker"), ca.Client(t, "injectkit")
	node := servetest.StartNode(t, "injectkit-tls", servetest.WithTLS(servetest.NodeTLS{CAFile: ca.File,
		CertFile: brokerCert.CertFile, KeyFile: brokerCert.KeyFile, RequireClientCert: true}))

	// The platform's HTTPS is trusted through the CA file only.
	hc, err := openaev.NewHTTPClient(ca.File, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openaev.NewHTTPClient("/nonexistent/ca.pem", false, nil); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("a missing CA file: %v", err)
	}
	s := newServeEnv(t, serveOpts{httpClient: hc,
		platform: []openaevtest.Option{openaevtest.WithTLS(ca.Server(t, "platform").Cert)}})
	untrusting, err := openaev.NewClient(openaev.Config{URL: s.platform.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrusting.Register(context.Background(), s.selected, false); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("registration without the CA: %v, want a certificate error", err)
	}

	tests := []struct {
		name    string
		tls     serve.BrokerTLS
		refused bool
		// wantError is in the first "broker connection failed" line, one
		// of them ("" for any).
		wantError []string
		wantWarn  string
	}{
		{"no CA file: the broker is not trusted", serve.BrokerTLS{CertFile: clientCert.CertFile, KeyFile: clientCert.KeyFile},
			true, []string{"certificate signed by unknown authority"}, ""},
		// Over TLS 1.2 (see below) the broker refuses the client during the
		// handshake, with an alert.
		{"no client certificate: the broker refuses", serve.BrokerTLS{CAFile: ca.File}, true,
			[]string{"handshake failure", "certificate required", "bad certificate"}, ""},
		{"insecure: consumes, with a WARN", serve.BrokerTLS{Insecure: true, CertFile: clientCert.CertFile, KeyFile: clientCert.KeyFile},
			false, nil, "broker TLS certificate verification disabled"},
		{"private CA and client certificate", serve.BrokerTLS{CAFile: ca.File, CertFile: clientCert.CertFile, KeyFile: clientCert.KeyFile},
			false, nil, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			queue := node.Queue(t)
			cfg, err := tt.tls.Config()
			if err != nil {
				t.Fatal(err)
			}
			if tt.tls.CertFile == "" {
				// TLS 1.3 refuses a client without a certificate after the
				// handshake, which the client sees as an alert, a closed
				// connection or a reset, by timing.
				cfg.MaxVersion = tls.VersionTLS12
			}
			d, _ := s.daemon(t, node.TLSBroker(), queue)
			d.TLSConfig = cfg
			log, logs := testkit.Logger()
			d.Log = log
			r := testkit.Go(t, "Run", d.Run)
			defer r.Stop(t)
			if tt.refused {
				testkit.WaitFor(t, 30*time.Second, "a refused connection", func() bool { return logs.FilterMessage("broker connection failed").Len() > 0 })
				msg, _ := logs.FilterMessage("broker connection failed").All()[0].ContextMap()["error"].(string)
				if !slices.ContainsFunc(tt.wantError, func(w string) bool { return strings.Contains(msg, w) }) {
					t.Errorf("error %q mentions none of %q", msg, tt.wantError)
				}
				if logs.FilterMessage("consuming").Len() != 0 {
					t.Error("consuming from a broker that refuses the connection")
				}
				return
			}
			id := "i-tls-" + string(rune('a'+i))
			node.Publish(t, queue, s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
			ctxw, cancelw := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancelw()
			if c, err := s.platform.WaitTerminal(ctxw, id); err != nil || !c.Processed() {
				t.Fatalf("terminal callback over TLS: %v %v", c.Outcome, err)
			}
			entries := logs.FilterMessage("consuming").All()
			if len(entries) == 0 || !strings.HasPrefix(entries[0].ContextMap()["broker"].(string), "amqps://") {
				t.Errorf("consuming log %v, want an amqps broker", entries)
			}
			if tt.wantWarn != "" && logs.FilterMessageSnippet(tt.wantWarn).Len() != 1 {
				t.Errorf("no WARN %q", tt.wantWarn)
			}
		})
	}
}
