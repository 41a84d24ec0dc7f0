package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A platform message's param its injector refuses is named one way, as
// the message holds it (inject_content.ports), in the WARN "inject
// rejected" line, the error on stderr and the INVALID_USAGE callback: the
// WARN line said params.ports.
func TestOpenAEVMessageRefusedParamNamedOneWay(t *testing.T) {
	withNmap := registry(withNmapScanner)
	for _, tt := range []struct{ key, value string }{{"ports", "22;id"}, {"timing", "9"}} {
		t.Run(tt.key, func(t *testing.T) {
			msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-f","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","`+tt.key+`":"`+tt.value+`"}}}`)
			r := run(t, withNmap, nil, "run", "--outbox", "none", "--openaev-message", msg)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			want := "invalid inject_content." + tt.key
			var warn string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.Contains(l, "inject rejected") {
					warn = l
				}
			}
			if !strings.Contains(warn, want) || strings.Contains(r.stderr, "params."+tt.key) {
				t.Errorf("WARN %q, want it naming %s, and no params.%s on stderr:\n%s", warn, want, tt.key, r.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 || !strings.Contains(lines[len(lines)-1].Body["execution_message"].(string), want) {
				t.Errorf("printed %s, want the INVALID_USAGE naming %s", r.stdout, want)
			}
		})
	}
}
