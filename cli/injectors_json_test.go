package cli_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

// injectorJSON is one injector as `injectors -o json` prints it.
type injectorJSON struct {
	Name, Category, Description string
	Params                      []struct {
		Name, Type string
		Default    any
	}
	Settings []struct {
		Key       string
		ConfigKey string `json:"config_key"`
		Env       string
		Default   *string
		Value     *string
		Secret    bool
		Set       bool
	}
	Expectations []string
	Outputs      []struct {
		Field  string
		Labels []string
	}
	AttackPatterns    []string `json:"attack_patterns"`
	Domains           []string
	SecurityPlatforms map[string][]string `json:"security_platforms"`
	InvalidManifest   string              `json:"invalid_manifest"`
	OpenAEVRefuses    string              `json:"openaev_refuses"`
}

// listInjectors returns the list `injectors -o json` prints, which must
// exit 0.
func listInjectors(t *testing.T, reg *framework.Registry, env map[string]string) []injectorJSON {
	t.Helper()
	r := run(t, reg, env, "injectors", "-o", "json")
	var list []injectorJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); r.code != cli.ExitOK || err != nil {
		t.Fatalf("injectors -o json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	return list
}

// injectorHelp returns the text of `injectors NAME` and the params of its
// JSON (-o json), both of which must exit 0.
func injectorHelp(t *testing.T, reg *framework.Registry, name string) (text string, params []map[string]any) {
	t.Helper()
	tr := run(t, reg, nil, "injectors", name)
	r := run(t, reg, nil, "injectors", name, "-o", "json")
	var one struct{ Params []map[string]any }
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 || tr.code != 0 {
		t.Fatalf("exit %d, %v:\n%s%s", r.code, err, r.stdout, tr.stdout)
	}
	return tr.stdout, one.Params
}

// The JSON of an injector gives an int param's range, as the text shows
// it, and no range for a param without one.
func TestInjectorsJSONParamRange(t *testing.T) {
	reg := withFake("ttl", ttl{})
	text, params := injectorHelp(t, reg, "ttl")
	for _, p := range params {
		lo, hasMin := p["min"]
		hi, hasMax := p["max"]
		switch p["name"] {
		case "ttl":
			// The text says "ttl <int from MIN to MAX>".
			want := fmt.Sprintf("ttl <int from %v to %v>", lo, hi)
			if _, ok := lo.(float64); !ok || !hasMax || !strings.Contains(text, want) {
				t.Errorf("ttl: %v, want min and max numbers as the text shows them (%q):\n%s", p, want, text)
			}
		case "port":
			if hasMin || hasMax {
				t.Errorf("port has no range; JSON %v", p)
			}
		default:
			t.Errorf("unexpected param %v", p)
		}
		for _, k := range []string{"name", "type", "default", "required", "doc"} {
			if _, ok := p[k]; !ok {
				t.Errorf("param %v lacks %q", p["name"], k)
			}
		}
	}
}

func TestInjectorsJSON(t *testing.T) {
	env := map[string]string{"DEMO_API_KEY": "s3cret-value", "DEMO_BASE_URL": "https://env.example"}
	list := listInjectors(t, registry(withDemo), env)
	if len(list) != 2 || list[0].Name != "demo" || list[1].Name != "noop" || list[1].Category != "any" {
		t.Errorf("list: %+v", list)
	}
	r := run(t, registry(withDemo), env, "injectors", "demo", "--output", "json")
	var one injectorJSON
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if len(one.Params) != 2 || one.Params[1].Name != "mode" || one.Params[1].Default != "fast" ||
		len(one.Settings) != 3 || len(one.Expectations) != 1 || len(one.Domains) != 1 || one.Domains[0] != "Network" ||
		len(one.SecurityPlatforms["DETECTION"]) != 2 {
		t.Fatalf("demo: %+v", one)
	}
	key, url, token := one.Settings[0], one.Settings[1], one.Settings[2]
	if !token.Secret || token.Set {
		t.Errorf("unset secret setting: %+v", token)
	}
	if !key.Secret || !key.Set || key.Default != nil || key.Value != nil || key.ConfigKey != "demo.api_key" {
		t.Errorf("secret setting: %+v", key)
	}
	if url.Default == nil || *url.Default != "https://demo.example" || url.Value == nil || *url.Value != "https://env.example" {
		t.Errorf("setting: %+v", url)
	}
	if strings.Contains(r.stdout, "s3cret") || strings.Contains(r.stdout, "hunter2") {
		t.Errorf("a secret printed:\n%s", r.stdout)
	}
	// A URL setting's value is shown without its credentials, query
	// values or fragment, as the text shows it.
	env["DEMO_BASE_URL"] = "http://admin:pw-s3cret@127.0.0.1:18641/?token=qtok"
	r = run(t, registry(withDemo), env, "injectors", "demo", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	if v := one.Settings[1].Value; v == nil || *v != "http://REDACTED@127.0.0.1:18641/?token=REDACTED" ||
		strings.Contains(r.stdout, "pw-s3cret") || strings.Contains(r.stdout, "qtok") {
		t.Errorf("URL setting shown as %v:\n%s", v, r.stdout)
	}
	// Defaults are typed as an inject file gives the params: "timing": 3,
	// not "3", which the inject file refuses.
	r = run(t, registry(withNmapScanner),
		nil, "injectors", "nmap", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	defaults := map[string]any{}
	for _, p := range one.Params {
		defaults[p.Name] = p.Default
	}
	if want := map[string]any{"scan_type": "connect", "ports": "", "timing": 3.0, "service_detection": false}; !reflect.DeepEqual(defaults, want) {
		t.Errorf("nmap's defaults %v, want %v", defaults, want)
	}
}

// The JSON of an injector gives every part of its contract the
// registration declares: its attack patterns (nmap's T1046) and each
// output's labels (query's "shodan"), as the manifest names them, so that
// a contract registered from the listing (the OpenAEV stand-in's
// -manifest) is the one serve registers.
func TestInjectorsJSONGivesAttackPatternsAndOutputLabels(t *testing.T) {
	for _, tt := range []struct {
		name    string
		reg     *framework.Registry
		attack  []string
		outputs map[string][]string
	}{
		{"nmap", registry(withNmapScanner), []string{"T1046"}, nil},
		{"query", registry(withQuery), []string{"T1596.005"},
			map[string][]string{"matched_ips": {"shodan"}, "matched_ipv6": {"shodan"}, "cves": {"shodan"}}},
		{"noop", registry(), []string{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.reg, nil, "injectors", tt.name, "-o", "json")
			var one injectorJSON
			if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 {
				t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
			}
			if !reflect.DeepEqual(one.AttackPatterns, tt.attack) {
				t.Errorf("attack_patterns %#v, want %#v\n%s", one.AttackPatterns, tt.attack, r.stdout)
			}
			for _, o := range one.Outputs {
				if want := tt.outputs[o.Field]; want != nil && !reflect.DeepEqual(o.Labels, want) {
					t.Errorf("output %s labels %#v, want %#v", o.Field, o.Labels, want)
				}
			}
			if !strings.Contains(r.stdout, `"labels": [`) && len(one.Outputs) > 0 {
				t.Errorf("an output without its labels:\n%s", r.stdout)
			}
		})
	}
}
