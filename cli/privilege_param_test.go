package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A scan type the process lacks the privileges for is refused as any
// other param its injector refuses, named where it was given: --param
// "scan_type=syn", the inject file's params.scan_type at its place, the
// platform message's inject_content.scan_type. It said `scan_type "syn":`
// everywhere. Not parallel: NMAP_UNPRIVILEGED is read from the process's
// environment, and makes even root refused.
func TestScanTypeNeedingRootRefusedAsAParam(t *testing.T) {
	t.Setenv("NMAP_PRIVILEGED", "")
	os.Unsetenv("NMAP_PRIVILEGED") // set even empty, it would make nmap privileged
	t.Setenv("NMAP_UNPRIVILEGED", "1")
	withNmap := registry(withNmapScanner)
	file := writeFile(t, "inject.json", `{"injector": "nmap", "inject_id": "i1", "targets": [{"value": "127.0.0.1"}], "params": {"scan_type": "syn"}}`)
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-s","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","scan_type":["syn"]}}}`)
	const why = "scan type needs root privileges: NMAP_UNPRIVILEGED is set"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"run --param", []string{"run", "nmap", "--target", "127.0.0.1", "--param", "scan_type=syn", "--outbox", "none"},
			`invalid param "scan_type=syn" (--param): ` + why},
		{"validate --param", []string{"validate", "nmap", "--target", "127.0.0.1", "--param", "scan_type=syn"},
			`invalid param "scan_type=syn" (--param): ` + why},
		{"inject file", []string{"run", "--inject-file", file, "--outbox", "none"},
			`invalid params.scan_type "syn": ` + why},
		{"platform message", []string{"run", "--openaev-message", msg, "--outbox", "none"},
			`invalid inject_content.scan_type "syn": ` + why},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, withNmap, nil, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, tt.want, r.stderr)
			}
			if strings.Contains(r.stderr, `: scan_type "syn":`) || strings.Contains(r.stderr, `"error": "scan_type`) {
				t.Errorf("the refusal is worded apart from the other params':\n%s", r.stderr)
			}
		})
	}
}
