package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A target written in nmap's octet-range syntax (127.0.0.*, 127.0.0-1.1,
// 127.0.0.1,5), as OpenAEV's own nmap injector hands one to nmap, is
// refused before nmap runs (exit 2: nothing run) as the range it is, quoted as written
// and pointed to a CIDR range, from a flag, a targets file, an inject
// file and a platform message's manual targets alike: not judged a host
// name holding '*' and withheld as "(not shown)", nor a host name whose
// last label is all digits.
func TestNmapRangeTargetRefusedAsARange(t *testing.T) {
	const reason = "an nmap address range (10.0.0.1-20, 10.0.0.*, 10.0.0.1,5): address ranges are not accepted; " +
		"give a CIDR range (10.0.0.0/24) or each address"
	hosts := writeFile(t, "hosts.txt", "127.0.0.1\n127.0.0-1.1\n")
	inject := writeFile(t, "inject.json", `{"targets": [{"value": "127.0.0.1,5"}]}`)
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-range","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1, 127.0.0.*"}}}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"--target", []string{"nmap", "--target", "127.0.0.*"}, `invalid --target "127.0.0.*": ` + reason},
		{"--target, a range in the last octet", []string{"nmap", "--target", "127.0.0.1-5"}, `invalid --target "127.0.0.1-5": ` + reason},
		{"targets file", []string{"nmap", "--targets-file", hosts}, hosts + `:2: invalid target "127.0.0-1.1": ` + reason},
		{"inject file", []string{"nmap", "--inject-file", inject}, `invalid targets[0].value "127.0.0.1,5": ` + reason},
		{"platform message", []string{"--openaev-message", msg}, `invalid inject_content.targets "127.0.0.*": item 2 of 2: ` + reason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--outbox", "none", "--log-level", "error"}, tt.args...)
			r := run(t, registry(withNmapScanner), nil, args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 (nothing run) and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
