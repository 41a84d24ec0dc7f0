package openaev_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
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
				testkit.WaitFor(t, testkit.Hang, "a refused connection", func() bool { return logs.FilterMessage("broker connection failed").Len() > 0 })
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

// A platform certificate the client refuses (a CA file missing or wrong,
// a certificate rotated) is no refusal of the platform: every request
// fails at once, never for good, so that the inject is handled again and
// a stored callback stays pending once the CA file is fixed.
func TestRefusedCertificateIsNotPermanent(t *testing.T) {
	ca := servetest.NewCA(t)
	p := openaevtest.NewPlatform(t, testToken, openaevtest.WithTLS(ca.Server(t, "platform").Cert))
	p.AddInject("i1", openaev.ContractID("noop"))
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"reception", func() error { _, err := c.Reception(ctx, "i1"); return err }},
		{"trace", func() error { return c.Trace(ctx, "i1", "m") }},
		{"terminal callback", func() error {
			return c.Callback(ctx, "i1", openaev.Execution{Message: "m", Status: "SUCCESS", Action: openaev.ActionComplete})
		}},
		{"registration", func() error { _, err := c.Register(ctx, testManifests(), false); return err }},
		{"resend", func() error {
			return openaev.ResendPoster{Profile: openaev.NewProfile(c, nil, nil)}.PostBody(ctx, "i1", 0, []byte(`{}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var cv *tls.CertificateVerificationError
			if !errors.As(err, &cv) {
				t.Fatalf("error %v, want a refused certificate", err)
			}
			var pe interface{ Permanent() bool }
			if errors.Is(err, openaev.ErrPermanent) || errors.As(err, &pe) && pe.Permanent() {
				t.Errorf("error %v is permanent, want a later try", err)
			}
			if strings.Contains(err.Error(), "rejected") {
				t.Errorf("error %q says the platform rejected a request it never received", err)
			}
		})
	}
	if len(p.Calls("i1")) != 0 {
		t.Errorf("the platform received %d calls over a refused certificate", len(p.Calls("i1")))
	}

	t.Run("message", func(t *testing.T) {
		e := newEnvOn(t, []openaevtest.Option{openaevtest.WithTLS(ca.Server(t, "platform2").Cert)})
		err := e.proc.Process(ctx, e.message(t, "i2", "noop", nil, []map[string]any{{"asset_id": "a1", "endpoint_ips": []string{"192.0.2.1"}}}, nil))
		var nr *openaev.NotReceivedError
		var me *openaev.MessageError
		if !errors.As(err, &nr) || errors.As(err, &me) {
			t.Errorf("Process: %T %v, want a reception not received (handled again), not a message refused", err, err)
		}
	})
	t.Run("registrar", func(t *testing.T) {
		_, err := openaev.NewRegistrar(c, testManifests()).Register(ctx)
		if err == nil || serve.IsPermanent(err) {
			t.Errorf("Register: %v, want a failure serve retries", err)
		}
	})
}

// A terminal callback kept in the outbox stays pending when the platform's
// certificate is refused on its resend (rotated to one of another CA),
// as serve's resender and `outbox flush` send it: it is not moved to the
// dead list.
func TestResendOverRefusedCertificateKeepsPending(t *testing.T) {
	ca := servetest.NewCA(t)
	trusting, err := openaev.NewHTTPClient(ca.File, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, outbox: true, httpClient: trusting,
		platform: []openaevtest.Option{openaevtest.WithTLS(ca.Server(t, "platform").Cert)}})
	const id = "i-rotated"
	s.platform.FailComplete(id, http.StatusServiceUnavailable, 1<<30)
	_ = s.proc.Process(context.Background(), s.message(t, id, "noop", nil, []map[string]any{{"asset_id": "a1", "endpoint_ips": []string{"192.0.2.1"}}}, nil))
	kept := s.records(t)[outbox.Pending]
	if kept == 0 {
		t.Fatal("no terminal callback kept")
	}
	s.platform.FailComplete(id, 0, 0)
	untrusting, err := openaev.NewClient(openaev.Config{URL: s.platform.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	profile := openaev.NewProfile(untrusting, s.selected, nil)
	rs := &outbox.Resender{Store: s.store, Select: profile.Owns,
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: profile}, nil }}
	res, err := rs.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.records(t); res.Rejected != 0 || got[outbox.Dead] != 0 || got[outbox.Pending] != kept {
		t.Errorf("flush over a refused certificate: %+v, outbox %v; want all %d pending", res, got, kept)
	}
}

// A CA file NewHTTPClient refuses is a *ValidationError on ca_file whose
// reason is the file's fault and whose chain keeps the read's error.
func TestNewHTTPClientCAFileKeepsItsCause(t *testing.T) {
	junk := testkit.WriteFile(t, "junk.pem", "not a certificate")
	dir := filepath.Dir(junk)
	tests := []struct {
		name, path, reason string
		cause              error
	}{
		{"no certificate", junk, "no PEM certificate found", httpx.ErrNoCertificate},
		{"missing", filepath.Join(dir, "missing.pem"), "no such file or directory", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openaev.NewHTTPClient(tt.path, false, nil)
			var ve *openaev.ValidationError
			if !errors.As(err, &ve) || ve.Field != "ca_file" || ve.Value != tt.path || ve.Reason != tt.reason || !errors.Is(err, tt.cause) {
				t.Errorf("NewHTTPClient(%s) = %v, want ca_file: %s, %v in its chain", tt.path, err, tt.reason, tt.cause)
			}
		})
	}
}
