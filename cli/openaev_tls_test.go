package cli_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// A platform whose certificate the run refuses (no CA file, or another
// CA's) received nothing: the run exits 1, the platform unreached, with
// the hint to run the inject again, and no line blames the platform or
// the token for a refusal.
func TestRunOpenAEVRefusedCertificateIsUnreached(t *testing.T) {
	platformTLS := httptest.NewTLSServer(http.NotFoundHandler())
	platformTLS.Close()
	otherCA := servetest.NewCA(t).File
	const id = "inj-tls"
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"assets"}},"assets":[`+
		`{"asset_id":"a1","asset_name":"one","asset_ips":["192.0.2.1"]}]}`)
	tests := []struct {
		name string
		args []string
	}{
		{"no CA file", []string{"run", "noop", "--openaev-message", msg}},
		{"another CA", []string{"run", "noop", "--openaev-message", msg, "--ca-file", otherCA}},
		{"openaev profile", []string{"run", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithTLS(platformTLS.TLS.Certificates[0]))
			p.AddInject(id, openaev.ContractID("noop"))
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, append(tt.args, "--backend-url", p.URL)...)
			if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, "run it again once the platform answers") {
				t.Fatalf("exit %d, want %d with the hint to run again; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
			}
			for _, never := range []string{"refused the reception", "rejected", "may lack the right"} {
				if strings.Contains(r.stderr, never) {
					t.Errorf("stderr says %q of a platform never reached:\n%s", never, r.stderr)
				}
			}
			if n := len(p.Calls(id)); n != 0 {
				t.Errorf("the platform received %d calls", n)
			}
		})
	}
}

// A certificate refused names the setting that trusts a CA in the line
// that says the run failed, for either profile.
func TestRefusedCertificateNamesTheCAFile(t *testing.T) {
	be := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(be.Close)
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithTLS(be.TLS.Certificates[0]))
	p.AddInject("inj-h", openaev.ContractID("noop"))
	tests := []struct {
		name string
		args []string
	}{
		{"callback profile", []string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-h", "--backend-url", be.URL, "--outbox", "none"}},
		{"openaev profile", []string{"run", "noop", "--profile", "openaev", "--target", "192.0.2.1", "--inject-id", "inj-h", "--backend-url", p.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, tt.args...)
			var line string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "injectkit: ") && !strings.HasPrefix(l, "injectkit: hint:") {
					line = l
				}
			}
			if r.code != cli.ExitDelivery || !strings.Contains(line, "certificate") || !strings.Contains(line, "--ca-file, INJECTKIT_CA_FILE or ca_file") {
				t.Errorf("exit %d, error line %q; want 1 naming --ca-file\n%s", r.code, line, r.stderr)
			}
		})
	}
}
