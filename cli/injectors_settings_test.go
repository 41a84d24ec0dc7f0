package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// `injectkit injectors query` refuses a setting the configuration gives
// that query refuses as `run query` refuses it: exit 2, its one line
// (the setting, where it was given and the value, a URL's user
// information masked), nothing listed, in either output. A required
// setting left unset is listed as such, exit 0. The listing showed the
// invalid URL, its password included, and exited 0.
func TestInjectorsRefusesAnInvalidSetting(t *testing.T) {
	t.Parallel()
	conf := writeFile(t, "c.yaml", "query:\n  shodan_base_url: ftp://127.0.0.1/\n")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string // the line, "" for a listing
	}{
		{"no scheme, with a password", map[string]string{"INJECTKIT_SHODAN_BASE_URL": "http//u:pw-s3cret@h"}, nil,
			`invalid query.shodan_base_url "http//REDACTED@h" (env INJECTKIT_SHODAN_BASE_URL): scheme must be http or https`},
		{"not a URL", map[string]string{"INJECTKIT_SHODAN_BASE_URL": "not a url"}, nil,
			`invalid query.shodan_base_url "not a url" (env INJECTKIT_SHODAN_BASE_URL): scheme must be http or https`},
		{"user information", map[string]string{"INJECTKIT_SHODAN_BASE_URL": "http://u:pw-s3cret@127.0.0.1:1"}, nil,
			`invalid query.shodan_base_url "http://REDACTED@127.0.0.1:1" (env INJECTKIT_SHODAN_BASE_URL): must not hold user information`},
		{"config file", nil, []string{"--config", conf},
			`invalid query.shodan_base_url "ftp://127.0.0.1/" (config file ` + conf + `:2): scheme must be http or https`},
		{"timeout", map[string]string{"INJECTKIT_QUERY_REQUEST_TIMEOUT": "abc"}, nil,
			`invalid query.request_timeout "abc" (env INJECTKIT_QUERY_REQUEST_TIMEOUT): want a positive duration such as 30s or 30 (seconds)`},
		{"valid URL", map[string]string{"INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1"}, nil, ""},
		{"required key unset", nil, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, output := range []string{"text", "json"} {
				r := run(t, registry(withQuery), tt.env, append([]string{"injectors", "query", "-o", output}, tt.args...)...)
				if tt.want == "" {
					if r.code != 0 || !strings.Contains(r.stdout, "shodan_api_key") {
						t.Errorf("%s: exit %d, want the listing; stderr:\n%s", output, r.code, r.stderr)
					}
					continue
				}
				if r.code != cli.ExitUsage || r.stderr != "injectkit: "+tt.want+"\n" || r.stdout != "" {
					t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant exit %d and: injectkit: %s", output, r.code, r.stdout, r.stderr, cli.ExitUsage, tt.want)
				}
			}
			if tt.want == "" {
				return
			}
			// run says it in the same words.
			env := map[string]string{"INJECTKIT_SHODAN_API_KEY": "k-0123456789"}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, registry(withQuery), env, append([]string{"run", "query", "--query", "port:80", "--log-level", "error"}, tt.args...)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "injectkit: "+tt.want+"\n") {
				t.Errorf("run: exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}
}

// A required setting given white space alone (the environment's, the
// config file's) is unset to `run`, which refuses it as such (`required,
// every inject of query fails without it`): `injectkit injectors query`
// lists it not set, in the text and as "set": false, where it said
// "secret, set" and "set": true of a key every run refuses. A key given
// is set, one left out not set.
func TestInjectorsRequiredSettingGivenBlank(t *testing.T) {
	t.Parallel()
	conf := writeFile(t, "c.yaml", "query:\n  shodan_api_key: \"  \"\n")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		text string // the setting's line
		set  bool
	}{
		{"env blank", map[string]string{"INJECTKIT_SHODAN_API_KEY": " "}, nil,
			"shodan_api_key, env INJECTKIT_SHODAN_API_KEY, secret, not set (given blank), required", false},
		{"config file blank", nil, []string{"--config", conf},
			"shodan_api_key, env INJECTKIT_SHODAN_API_KEY, secret, not set (given blank), required", false},
		{"given", map[string]string{"INJECTKIT_SHODAN_API_KEY": "k-0123456789"}, nil,
			"shodan_api_key, env INJECTKIT_SHODAN_API_KEY, secret, set, required", true},
		{"left out", nil, nil,
			"shodan_api_key, env INJECTKIT_SHODAN_API_KEY, secret, not set, required", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, registry(withQuery), tt.env, append([]string{"injectors", "query", "-o", "text"}, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "   "+tt.text+"\n") {
				t.Errorf("text: exit %d, want the line %q in:\n%s%s", r.code, tt.text, r.stdout, r.stderr)
			}
			r = run(t, registry(withQuery), tt.env, append([]string{"injectors", "query", "-o", "json"}, tt.args...)...)
			var got struct {
				Settings []struct {
					Key string `json:"key"`
					Set bool   `json:"set"`
				} `json:"settings"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
				t.Fatalf("json: exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
			}
			for _, s := range got.Settings {
				if s.Key == "shodan_api_key" && s.Set != tt.set {
					t.Errorf("json: shodan_api_key set %v, want %v", s.Set, tt.set)
				}
			}
			if tt.set {
				return
			}
			// run refuses the key it lists not set.
			r = run(t, registry(withQuery), tt.env, append([]string{"validate", "query", "--query", "port:80"}, tt.args...)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "required, every inject of query fails without it") {
				t.Errorf("validate: exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}
}
