package cli_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A required injector setting left unset (query's Shodan key) makes every
// inject of the injector fail: run refuses it as validate does, exit 2
// naming the setting and where to set it, before anything is sent or
// stored, whatever the profile, a platform message's run included (the
// platform is not told of a local configuration mistake as a failed
// inject).
func TestRunRefusesUnsetRequiredSetting(t *testing.T) {
	const want = `invalid query.shodan_api_key "": required, every inject of query fails without it (set env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)`
	msg := writeFile(t, "q.json", `{"injection":{"inject_id":"inj-q","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("query")+`"},"inject_content":{"query":"apache"}}}`)
	// The contract id is a UUID: the platform may spell it in upper case.
	upper := writeFile(t, "u.json", `{"injection":{"inject_id":"inj-q","inject_injector_contract":{"injector_contract_id":"`+
		strings.ToUpper(openaev.ContractID("query"))+`"},"inject_content":{"query":"apache"}}}`)
	tests := []struct {
		name string
		args []string
	}{
		{"callback profile", []string{"query", "--query", "apache", "--inject-id", "i-1"}},
		{"openaev profile", []string{"query", "--query", "apache", "--inject-id", "i-1", "--profile", "openaev"}},
		{"platform message", []string{"--openaev-message", msg}},
		{"platform message, injector named", []string{"query", "--openaev-message", msg}},
		{"platform message, contract in upper case", []string{"--openaev-message", upper}},
		{"platform message, contract in upper case, injector named", []string{"query", "--openaev-message", upper}},
		{"validate", []string{"query", "--query", "apache", "--inject-id", "i-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			box := filepath.Join(t.TempDir(), "outbox.db")
			cmd := "run"
			if tt.name == "validate" {
				cmd = "validate"
			}
			args := append([]string{cmd}, tt.args...)
			r := run(t, registry(withQuery), map[string]string{"INJECTKIT_SHODAN_API_KEY": ""},
				append(args, "--backend-url", be.URL, "--token", "tok", "--outbox", box, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
			}
			if n := len(be.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			if _, err := os.Stat(box); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("outbox %s: %v, want none created", box, err)
			}
		})
	}
}

// A required setting given blank is refused as one given no value, its
// white space quoted as written (no secret to mask) and where it was
// given named, as a blank --token is.
func TestRunRefusesBlankRequiredSetting(t *testing.T) {
	const reason = `: required, every inject of query fails without it (set env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)`
	blank := writeFile(t, "c4.yaml", "log_level: error\nquery:\n  shodan_api_key: \"  \"\n")
	empty := writeFile(t, "c5.yaml", "log_level: error\nquery.shodan_api_key: ''\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"blank environment", map[string]string{"INJECTKIT_SHODAN_API_KEY": "  "}, nil,
			`invalid query.shodan_api_key "  " (env INJECTKIT_SHODAN_API_KEY)` + reason},
		{"blank in the config file", map[string]string{"INJECTKIT_SHODAN_API_KEY": ""}, []string{"--config", blank},
			`invalid query.shodan_api_key "  " (config file ` + blank + `:3)` + reason},
		{"empty in the config file", map[string]string{"INJECTKIT_SHODAN_API_KEY": ""}, []string{"--config", empty},
			`invalid query.shodan_api_key "" (config file ` + empty + `:2)` + reason},
		{"not given", map[string]string{"INJECTKIT_SHODAN_API_KEY": ""}, nil, `invalid query.shodan_api_key ""` + reason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cmd := range []string{"run", "validate"} {
				args := append([]string{cmd, "query", "--query", "apache", "--inject-id", "i-1"}, tt.args...)
				r := run(t, registry(withQuery), tt.env, args...)
				if r.code != 2 || !strings.Contains(r.stderr, "injectkit: "+tt.want+"\n") {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %q", cmd, r.code, r.stderr, tt.want)
				}
			}
		})
	}
}
