package cli_test

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// oneShotCA returns a path that gives pem once, as a shell's process
// substitution does (--ca-file <(cat ca.pem)): /dev/fd/N of a pipe whose
// writer wrote pem and closed, so that a second open reads nothing.
func oneShotCA(t *testing.T, pemBytes []byte) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if _, err := w.Write(pemBytes); err != nil { // under a pipe's buffer
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no /dev/fd here: %v", err)
	}
	return path
}

// A CA file that can be read once only (a pipe, a process substitution)
// is read once by the process and trusted by every client of it: run, in
// both profiles and with a platform message, delivers over HTTPS to a
// backend whose certificate it holds, and validate says valid, as run
// would be.
func TestRunCAFileReadOnce(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	tlsSrv.Close()
	cert := tlsSrv.TLS.Certificates[0]
	if cert.Leaf == nil {
		t.Fatal("httptest certificate without its leaf")
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Leaf.Raw})
	var posts atomic.Int32
	callbacks := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { posts.Add(1) }))
	callbacks.TLS = tlsSrv.TLS.Clone()
	callbacks.StartTLS()
	t.Cleanup(callbacks.Close)

	const id = "inj-ca"
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"assets"}},"assets":[`+
		`{"asset_id":"a1","asset_name":"one","asset_ips":["192.0.2.1"]}]}`)
	tests := []struct {
		name    string
		openaev bool
		args    []string
		want    string // on stdout
	}{
		{"run, callback profile", false, []string{"run", "noop", "--target", "192.0.2.1", "--inject-id", id}, ""},
		{"run, openaev profile", true, []string{"run", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", id}, ""},
		{"run, openaev message", true, []string{"run", "noop", "--openaev-message", msg}, ""},
		{"validate, callback profile", false, []string{"validate", "noop", "--target", "192.0.2.1", "--inject-id", id}, "valid: "},
		{"validate, openaev profile", true, []string{"validate", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", id}, "valid: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, before := callbacks.URL, posts.Load()
			var p *openaevtest.Platform
			if tt.openaev {
				p = openaevtest.NewPlatform(t, platformToken, openaevtest.WithTLS(cert))
				registered(t, p, platformToken, registry(), openaev.WithHTTPClient(callbacks.Client()))
				p.AddInject(id, openaev.ContractID("noop"))
				url = p.URL
			}
			env, _ := outboxEnv(t)
			args := append(tt.args, "--backend-url", url, "--ca-file", oneShotCA(t, caPEM), "--log-level", "error", "-o", "json")
			r := run(t, registry(), env, args...)
			if r.code != cli.ExitOK || !strings.Contains(r.stdout, tt.want) {
				t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			switch {
			case tt.want != "":
			case p != nil && !openaev.Finished(p.InjectStatus(id)):
				t.Errorf("inject status %s after the run, want a final one", p.InjectStatus(id))
			case p == nil && posts.Load() == before:
				t.Error("no callback reached the backend")
			}
		})
	}
}
