//go:build linux

package cloudscan

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// writeCertPEM writes the certificate srv serves with as a PEM file and
// returns its path.
func writeCertPEM(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The CA bundle the SDK loads with each inject (AWS_CA_BUNDLE, else the
// loaded profile's ca_bundle) is checked when the executor is
// configured: one the SDK fails on (no such file, no PEM certificate in
// it, a directory) or that would hold the run (a FIFO, read without
// waiting for a writer here) is refused naming where it is given and the
// path; the SDK is the judge of which it fails on.
func TestCABundleChecked(t *testing.T) {
	tls := httptest.NewTLSServer(http.NotFoundHandler())
	defer tls.Close()
	good := writeCertPEM(t, tls)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	noCerts := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(noCerts, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name, env, profileBundle string
		field, reason            string // refused, "" for none
	}{
		{name: "none"},
		{name: "variable, a certificate", env: good},
		{name: "variable, no such file", env: missing, field: envCABundle, reason: "no such file"},
		{name: "variable, no certificate", env: noCerts, field: envCABundle, reason: "holds no PEM certificate"},
		{name: "variable, a directory", env: dir, field: envCABundle, reason: "a directory, not a regular file"},
		{name: "variable, a FIFO", env: fifo, field: envCABundle, reason: "a FIFO (named pipe), not a regular file"},
		{name: "profile, a certificate", profileBundle: good},
		{name: "profile, no such file", profileBundle: missing, field: ":default.ca_bundle", reason: "no such file"},
		{name: "variable over profile", env: good, profileBundle: missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv(envCABundle, tt.env)
			if tt.profileBundle != "" {
				writeSharedFiles(t, "[default]\nregion = eu-west-1\nca_bundle = "+tt.profileBundle+"\n", "")
			}
			if tt.env != fifo {
				_, sdkErr := config.LoadDefaultConfig(context.Background())
				if (sdkErr != nil) != (tt.field != "") {
					t.Fatalf("the SDK's loading: %v; the case expects a refusal: %v", sdkErr, tt.field != "")
				}
			}
			ve, msg := configureRefusal(t, map[string]string{SettingEndpointURL: "http://127.0.0.1:9"}, tt.field != "")
			if ve == nil {
				return
			}
			if !strings.HasSuffix(ve.Field, tt.field) || !strings.Contains(ve.Reason, tt.reason) {
				t.Fatalf("error %v, want %s refused: %s", msg, tt.field, tt.reason)
			}
			if want := tt.env + tt.profileBundle; ve.Value != want {
				t.Errorf("value %q, want the path %q", ve.Value, want)
			}
		})
	}
}

// The SDK trusts the bundle's bytes as read and checked: an inject
// reaches an endpoint served with the bundle's certificate, and a bundle
// replaced by a FIFO after the check fails the inject before any call,
// never waited on.
func TestCABundleTrustedAsRead(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	tls := httptest.NewTLSServer(http.HandlerFunc(st.route))
	defer tls.Close()
	bundle := writeCertPEM(t, tls)
	t.Setenv(envCABundle, bundle)
	e := New()
	p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), tls.URL)
	out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s: %+v", out.ExecutionStatus(), out.ErrorInfo)
	}

	if err := os.Remove(bundle); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(st.calls())
	out = e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
	if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil ||
		!strings.Contains(out.ErrorInfo.Message, `invalid AWS_CA_BUNDLE "`+bundle+`": a FIFO`) {
		t.Fatalf("status %s: %+v, want failed naming the FIFO", out.ExecutionStatus(), out.ErrorInfo)
	}
	if n := len(st.calls()); n != before {
		t.Errorf("%d calls made with the bundle replaced", n-before)
	}
}
