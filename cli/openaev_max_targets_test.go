package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
)

// TestRunOpenAEVMessageMaxTargets checks that --max-targets bounds the
// targets a platform message gives, as serve's max_targets does (t50: a
// message of 1.5 million manual targets peaked at 1.08 GB): past it the
// run exits 2 naming the count and the limit, nothing ran; at it the
// inject runs. serve has the setting too.
func TestRunOpenAEVMessageMaxTargets(t *testing.T) {
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-max","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"192.0.2.1,192.0.2.2,192.0.2.3"}}}`)
	tests := []struct {
		name, max string
		code      int
		want      string
	}{
		{"past the limit", "2", cli.ExitUsage, "invalid inject_content.targets: 3 targets, more than max_targets (2)"},
		{"at the limit", "3", cli.ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, "run", "--openaev-message", msg, "--max-targets", tt.max, "--outbox", "none", "--log-level", "error")
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	if h := run(t, registry(), nil, "serve", "--help"); !strings.Contains(h.stdout, "--max-targets value") {
		t.Errorf("serve --help has no --max-targets:\n%s", h.stdout)
	}
}
