package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A param refused whose value holds the token is withheld with what is
// wrong with it: nmap's ports parser cuts the value at a '-' and quotes
// the piece before it, a fragment of the token no redaction of the whole
// recognises. So it is from --param, with and without the openaev
// profile, from an inject file and from a platform message's
// inject_content, in the error, the WARN line and the INVALID_USAGE
// message alike; another bad value is still quoted.
func TestParamHoldingSecretWithheld(t *testing.T) {
	const tok = "S3cr3t-a1b2c3d4-Tok"
	withNmap := registry(withNmapScanner)
	env := map[string]string{"INJECTKIT_TOKEN": tok}
	injectFile := writeFile(t, "inject.json", `{"injector": "nmap", "inject_id": "i1", "targets": [{"value": "127.0.0.1"}], "params": {"ports": "`+tok+`"}}`)
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-p","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","ports":"`+tok+`"}}}`)
	base := []string{"run", "--outbox", "none", "--log-level", "warn"}
	withheld := "ports (value withheld)"
	tests := []struct {
		name       string
		args       []string
		want       string
		platformed bool
	}{
		{"--param", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=" + tok}, withheld, false},
		{"--param, a range to the token", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=1-" + tok}, withheld, false},
		{"--param, openaev profile", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=" + tok, "--profile", "openaev"}, withheld, true},
		{"inject file", []string{"--inject-file", injectFile}, withheld, false},
		{"platform message", []string{"--openaev-message", msg}, "inject_content.ports (value withheld)", true},
		{"another bad value quoted", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=22x"}, `"22x" is not a port number`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, withNmap, env, append(base, tt.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "S3cr3t") || strings.Contains(r.stdout+r.stderr, "a1b2c3d4") {
				t.Errorf("shows a piece of the token:\n%s\n%s", r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "inject rejected") {
				t.Errorf("stderr has no WARN inject rejected and %q:\n%s", tt.want, r.stderr)
			}
			if !tt.platformed {
				return
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 || lines[len(lines)-1].Body["execution_status"] != "INVALID_USAGE" {
				t.Fatalf("printed %s, want INVALID_USAGE last", r.stdout)
			}
			if m, _ := lines[len(lines)-1].Body["execution_message"].(string); !strings.Contains(m, "(value withheld)") {
				t.Errorf("execution_message %q does not withhold the value", m)
			}
		})
	}
}
