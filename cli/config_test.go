package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Every config struct is well formed, its defaults decode, and the help
// and the enums agree with the code they document.
func TestConfigDeclarations(t *testing.T) {
	for _, dst := range []any{&runConfig{}, &serveConfig{}, &outboxListConfig{}, &outboxDropConfig{}, &outboxSendConfig{},
		&injectorsConfig{}, &versionConfig{}} {
		typ := reflect.TypeOf(dst).Elem()
		t.Run(typ.Name(), func(t *testing.T) {
			fields := fieldsOf(typ) // panics on a malformed declaration
			if len(fields) == 0 {
				t.Fatal("no settings")
			}
			for _, f := range fields {
				if f.usage == "" {
					t.Errorf("%s: no usage", f.key)
				}
			}
			app := &ucli.App{Flags: flagsOf(defaultName, typ, nil), Action: func(c *ucli.Context) error {
				// No flag, environment or file: the defaults alone.
				return decodeFields(dst, c, defaultName, func(string) string { return "" }, nil)
			}}
			err := app.Run([]string{"x"})
			var ee *ExitError
			if err != nil && !(errors.As(err, &ee) && strings.Contains(err.Error(), "required")) {
				t.Errorf("defaults: %v", err)
			}
		})
	}
	for _, f := range fieldsOf(reflect.TypeFor[runConfig]()) {
		switch f.key {
		case "profile":
			if want := []string{ProfileCallback, ProfileOpenAEV}; !slices.Equal(f.enum, want) {
				t.Errorf("profile enum %v, want %v", f.enum, want)
			}
		case "phase":
			if !strings.Contains(f.usage, runtime.DefaultPhase) {
				t.Errorf("phase usage %q does not name the default %s", f.usage, runtime.DefaultPhase)
			}
		}
	}
}

// The file is read as YAML nodes: a string keeps the text written, a
// scalar given for a list is a list of one, and what cannot be a setting
// is an error naming the key and the file.
func TestReadConfigFile(t *testing.T) {
	known, lists := keysOf(reflect.TypeFor[runConfig]()), listKeysOf(reflect.TypeFor[runConfig]())
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{{Key: "api_key"}, {Key: "base_url"}},
		Params: []framework.Param{{Name: "zone", Type: framework.ParamString}}}}
	tests := []struct {
		name, yaml string
		want       map[string]raw    // by key, without from
		injectors  map[string]string // when set
		err        []string          // substrings of the error, when one is wanted
	}{
		{name: "leading zeros stay text", yaml: "inject_id: 00123\ntoken: 0x1F\nphase: 1e3\n",
			want: map[string]raw{"inject_id": {vals: []string{"00123"}}, "token": {vals: []string{"0x1F"}}, "phase": {vals: []string{"1e3"}}}},
		{name: "quoted and plain alike", yaml: "inject_id: \"00123\"\nphase: 'yes'\ninsecure: yes\n",
			want: map[string]raw{"inject_id": {vals: []string{"00123"}}, "phase": {vals: []string{"yes"}}, "insecure": {vals: []string{"yes"}}}},
		{name: "scalar for a list", yaml: "expectation: PREVENTION\ntarget: 10.0.0.1\nparam: outcome=failed\n",
			want: map[string]raw{"expectation": {vals: []string{"PREVENTION"}}, "target": {vals: []string{"10.0.0.1"}}, "param": {vals: []string{"outcome=failed"}}}},
		{name: "list", yaml: "target: [10.0.0.1, 0010]\nexpectation:\n  - PREVENTION\n",
			want: map[string]raw{"target": {vals: []string{"10.0.0.1", "0010"}, seq: true}, "expectation": {vals: []string{"PREVENTION"}, seq: true}}},
		{name: "null sets nothing", yaml: "phase:\ntimeout: ~\n", want: map[string]raw{}},
		{name: "alias", yaml: "inject_id: &id 007\nphase: *id\n",
			want: map[string]raw{"inject_id": {vals: []string{"007"}}, "phase": {vals: []string{"007"}}}},
		{name: "empty file", yaml: "", want: map[string]raw{}},
		{name: "injector settings nested and dotted", yaml: "query:\n  api_key: 0042\nquery.base_url: http://x\n",
			want: map[string]raw{}, injectors: map[string]string{"query.api_key": "0042", "query.base_url": "http://x"}},
		{name: "unknown keys", yaml: "bakend_url: x\nquery:\n  nope: 1\nlog:\n  level: x\n",
			err: []string{"c.yaml:1: unknown key bakend_url (did you mean backend_url?), query.nope (line 3), log (line 4; settings are not nested: write log_level at the top level)"}},
		// A likely slip of a key is answered with the key, as a flag's and
		// an environment variable's are; the value is never shown.
		{name: "a slip of a key", yaml: "timout: s3cr3t\n", err: []string{"c.yaml:1: unknown key timout (did you mean timeout?)\x00"}},
		{name: "a slip of a list key", yaml: "targets: [s3cr3t]\n", err: []string{"c.yaml:1: unknown key targets (did you mean target?)\x00"}},
		{name: "a slip of an injector's setting", yaml: "query:\n  api_ky: s3cr3t\n",
			err: []string{"c.yaml:2: unknown key query.api_ky (did you mean query.api_key?)\x00"}},
		{name: "a slip of a dotted setting, after another key", yaml: "inject_id: x\nquery.bse_url: s3cr3t\n",
			err: []string{"c.yaml:2: unknown key query.bse_url (did you mean query.base_url?)\x00"}},
		{name: "a slip of an injector's name", yaml: "qurey:\n  api_key: s3cr3t\n", err: []string{"c.yaml:1: unknown key qurey (did you mean query?)\x00"}},
		{name: "slips after the first", yaml: "nope: 1\ntimout: s3cr3t\n",
			err: []string{"c.yaml:1: unknown key nope, timout (line 2; did you mean timeout?)\x00"}},
		{name: "nothing close", yaml: "frobnicate: s3cr3t\n", err: []string{"c.yaml:1: unknown key frobnicate\x00"}},
		{name: "param in the settings section", yaml: "query:\n  zone: x\n", err: []string{"c.yaml:2: unknown key query.zone; zone is a param of query, " +
			"given per inject, not in the config file: --param zone=VALUE, or the inject file's params"}},
		{name: "param dotted", yaml: "query.zone: x\n", err: []string{"c.yaml:1: unknown key query.zone; zone is a param of query"}},
		{name: "a setting in upper case", yaml: "query:\n  API_KEY: s3cr3t\n",
			err: []string{"c.yaml:2: unknown key query.API_KEY (keys are written exactly, case and separators included: write query.api_key)"}},
		{name: "a setting in camelCase, another unknown", yaml: "query:\n  apiKey: s3cr3t\n  nope: 1\n",
			err: []string{"c.yaml:2: unknown key query.apiKey (keys are written exactly, case and separators included: write query.api_key), query.nope (line 3)"}},
		{name: "a dotted setting in kebab case", yaml: "query.Base-URL: x\n",
			err: []string{"c.yaml:1: unknown key query.Base-URL (keys are written exactly, case and separators included: write query.base_url)"}},
		{name: "an injector's name in upper case", yaml: "QUERY:\n  api_key: s3cr3t\n",
			err: []string{"c.yaml:1: unknown key QUERY (keys are written exactly, case and separators included: write query)"}},
		{name: "a dotted setting under the injector's name in another case", yaml: "Query.API_KEY: s3cr3t\n",
			err: []string{"c.yaml:1: unknown key Query.API_KEY (keys are written exactly, case and separators included: write query.api_key)"}},
		{name: "a key in camelCase", yaml: "backendUrl: s3cr3t\n",
			err: []string{"c.yaml:1: unknown key backendUrl (keys are written exactly, case and separators included: write backend_url)"}},
		{name: "a key in upper case", yaml: "LOG_LEVEL: s3cr3t\n",
			err: []string{"c.yaml:1: unknown key LOG_LEVEL (keys are written exactly, case and separators included: write log_level)"}},
		{name: "a key in kebab case", yaml: "inject-id: s3cr3t\n",
			err: []string{"c.yaml:1: unknown key inject-id (keys are written exactly, case and separators included: write inject_id)"}},
		{name: "mapping for a setting", yaml: "phase: x\nparam:\n  outcome: failed\n", err: []string{"invalid param (config file ", "c.yaml:3): want a value or a list of values, not a mapping"}},
		{name: "nested list", yaml: "target:\n  - a\n  - [b]\n", err: []string{"invalid target (config file ", "c.yaml:3): want a value or a list of values, not a nested list"}},
		{name: "list for an injector setting", yaml: "query:\n  api_key: [a, b]\n", err: []string{"invalid query.api_key (config file ", "c.yaml:2): want one value, not a list"}},
		// A key that takes one value says so, and quotes no list.
		{name: "mapping for a one-value key", yaml: "inject_id: {a: 1}\n", err: []string{"invalid inject_id (config file ", "c.yaml:1): want one value, not a mapping"}},
		{name: "nested list for a one-value key", yaml: "inject_id: [a, [b]]\n", err: []string{"invalid inject_id (config file ", "c.yaml:1): want one value, not a list"}},
		{name: "key twice", yaml: "phase: a\nphase: b\n", err: []string{"c.yaml:2: key phase given twice"}},
		{name: "injector key twice", yaml: "query.api_key: a\nquery:\n  api_key: b\n", err: []string{"c.yaml:3: key query.api_key given twice (first on line 1)\x00"}},
		{name: "injector key twice, nested first", yaml: "target: [a]\nquery:\n  api_key: a\nquery.api_key: b\n",
			err: []string{"c.yaml:4: key query.api_key given twice (first on line 3)\x00"}},
		{name: "not a mapping", yaml: "- a\n", err: []string{"c.yaml:1: want a mapping of keys (key: value), not a list"}},
		{name: "not YAML", yaml: "phase: [\n", err: []string{"config file"}},
		{name: "second document", yaml: "target: a\n---\ntarget: b\n", err: []string{"c.yaml:3: a second YAML document"}},
		{name: "document markers", yaml: "---\ntarget: a\n---\n", want: map[string]raw{"target": {vals: []string{"a"}}}},
		{name: "binary tag", yaml: "target: !!binary MTI3LjAuMC4x\n", err: []string{"invalid target (config file ", "c.yaml:1): YAML tag !!binary is not supported"}},
		{name: "local tag in a list", yaml: "target:\n  - a\n  - !host b\n", err: []string{"c.yaml:3): a YAML tag (a value starting with !) is not supported"}},
		{name: "standard tags", yaml: "inject_id: !!str 007\ntimeout: !!int 30\n",
			want: map[string]raw{"inject_id": {vals: []string{"007"}}, "timeout": {vals: []string{"30"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cf, err := readConfigFile(t.Context(), path, "", known, lists, nil, ms)
			if tt.err != nil {
				var ee *ExitError
				if !errors.As(err, &ee) || ee.Code != ExitUsage {
					t.Fatalf("err = %v, want a usage error", err)
				}
				for _, s := range append(tt.err, path) {
					if !strings.Contains(err.Error()+"\x00", s) { // a NUL: the error ends there
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				// A value is never shown; a setting's name written
				// otherwise is no sign of a file that is no config.
				if strings.Contains(err.Error(), "s3cr3t") ||
					strings.Contains(err.Error(), "case and separators included") && strings.Contains(err.Error(), "is it a YAML config file") {
					t.Errorf("error %q shows a value, or asks whether the file is a config file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]raw{}
			for k, r := range cf.values {
				// Each value names the file and its key's line.
				line := 1 + slices.IndexFunc(strings.Split(tt.yaml, "\n"), func(l string) bool { return strings.HasPrefix(l, k+":") })
				if want := fmt.Sprintf("config file %s:%d", path, line); r.from != want {
					t.Errorf("%s from %q, want %q", k, r.from, want)
				}
				// And each item of a list its own line.
				for i, from := range r.itemFrom {
					if line := 1 + slices.IndexFunc(strings.Split(tt.yaml, "\n"), func(l string) bool { return strings.Contains(l, r.vals[i]) }); from != fmt.Sprintf("config file %s:%d", path, line) {
						t.Errorf("%s item %q from %q, want line %d", k, r.vals[i], from, line)
					}
				}
				r.from, r.itemFrom = "", nil
				got[k] = r
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("values = %+v, want %+v", got, tt.want)
			}
			if tt.injectors != nil && !reflect.DeepEqual(cf.injectors, tt.injectors) {
				t.Errorf("injector settings = %v, want %v", cf.injectors, tt.injectors)
			}
		})
	}
}

// FuzzReadConfigFile: whatever a config file holds, reading it does not
// panic; a file it refuses is a usage error (exit 2) naming the file; a
// file it takes sets only keys the command knows and declared injector
// settings.
func FuzzReadConfigFile(f *testing.F) {
	for _, s := range []string{
		"inject_id: 00123\ntarget: [10.0.0.1, web.example.com]\nparam: outcome=failed\n",
		"query:\n  api_key: k\nquery.base_url: https://h\n",
		"a: &x [1, 2]\nb: *x\n",
		"- just\n- a list\n",
		"expectation: {a: b}\n",
		"phase: !!binary aGk=\n",
		"~\n",
		"",
		"# caf\xe9\ntimeout: 1m\n",
		"inject_id: a\x00b\n",
		"\xff\xfei\x00d\x00:\x00 \x00x\x00\n\x00",
		"base: &b {timeout: 1m}\n<<: *b\n",
		"log:\n  level: debug\nINJECTKIT_TIMEOUT: 1m\n",
		"timeout: [1m\n",
		"token: *Zq9SecretValue77\n", // a secret YAML reads as an alias, a tag, an anchor
		"token: !Zq9SecretValue77 x\n",
		"token: &Zq9SecretValue77\n",
		"a: &x [*x]\n",
	} {
		f.Add(s)
	}
	known, lists := keysOf(reflect.TypeFor[runConfig]()), listKeysOf(reflect.TypeFor[runConfig]())
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{{Key: "api_key"}, {Key: "base_url"}}}}
	f.Fuzz(func(t *testing.T, doc string) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		cf, err := readConfigFile(t.Context(), path, "", known, lists, nil, ms)
		if err != nil {
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != ExitUsage || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v: want a usage error naming %s", err, path)
			}
			return
		}
		for k := range cf.values {
			if !known[k] {
				t.Fatalf("took unknown key %q", k)
			}
		}
		for k := range cf.injectors {
			if k != "query.api_key" && k != "query.base_url" {
				t.Fatalf("took undeclared injector setting %q", k)
			}
		}
	})
}

// An injector setting comes from its own variable, else the file, else its
// default; each declared key is present. Where each came from is recorded,
// but for a default or a secret.
func TestInjectorSettingsPrecedence(t *testing.T) {
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{
		{Key: "api_key", Env: "SHODAN_API_KEY"}, {Key: "base_url", Default: "https://api"}, {Key: "region", Default: "eu"}, {Key: "unset"},
		{Key: "secret", Env: "Q_SECRET", Secret: true}}}}
	env := map[string]string{"SHODAN_API_KEY": "from-env", "Q_SECRET": "s3cr3t"}
	file := configFile{injectors: map[string]string{"query.api_key": "from-file", "query.region": "us"},
		injectorsFrom: map[string]string{"query.api_key": "config file c.yaml:1", "query.region": "config file c.yaml:2"}}
	var o origins
	got := newInjectorSettings(ms, func(k string) string { return env[k] }, file, &o)
	want := injectorSettings{"query": {"api_key": "from-env", "base_url": "https://api", "region": "us", "unset": "", "secret": "s3cr3t"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if wantFrom := map[string]string{"query.api_key": "env SHODAN_API_KEY", "query.region": "config file c.yaml:2"}; !reflect.DeepEqual(o.from, wantFrom) {
		t.Errorf("origins %v, want %v", o.from, wantFrom)
	}
}

// A param an injector refuses is quoted as the user wrote it, unless the
// injector hid a part of it (credentials): then as the injector showed it.
func TestParamErrQuotes(t *testing.T) {
	tests := []struct {
		kv, shown, want string
	}{
		{"call_timeout=0", "0s", `invalid param "call_timeout=0": refused`},
		{"endpoint_url=http://u:pw@h/x", "http://REDACTED@h/x", `invalid param "endpoint_url=http://REDACTED@h/x": refused`},
		{"endpoint_url=http://u:pw@h/x", "http://u:xxxxx@h/x", `invalid param "endpoint_url=http://u:xxxxx@h/x": refused`},
		{"outcome=maybe", "", `invalid param "outcome=maybe": refused`},
	}
	for _, tt := range tests {
		var c runConfig
		c.Params = []string{tt.kv}
		err := c.paramErr(0, &signatures.ValidationError{Field: "params.x", Value: tt.shown, Reason: "refused"})
		if got := err.Error(); got != tt.want {
			t.Errorf("paramErr(%q) = %s, want %s", tt.kv, got, tt.want)
		}
	}
}
