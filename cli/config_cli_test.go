package cli_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// times are the start and end time signatures, which differ between runs.
var times = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)

// leastSize matches the least encoded size a size error quotes.
var leastSize = regexp.MustCompile(`at least \d+ bytes`)

// dryRun runs `injectkit run noop` printing its bodies and returns stdout
// without the times.
func dryRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := run(t, registry(), env, append([]string{"run", "noop", "--log-level", "error"}, args...)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d, stderr %s", args, r.code, r.stderr)
	}
	return times.ReplaceAllString(r.stdout, `"T"`)
}

// A YAML scalar given for a list key is a list of one: the same bodies go
// out as with the list or the flag (before, koanf dropped the scalar and
// the default signatures went out with exit 0).
func TestConfigScalarIsOneElementList(t *testing.T) {
	tests := []struct {
		key, value string
		flags      []string // what else the inject needs
		want       string   // in the body, so that the value is seen to apply
	}{
		{"expectation", "PREVENTION", []string{"--target", "127.0.0.1"}, `"expectation_type":"PREVENTION"`},
		{"target", "10.0.0.1", nil, `"signature_value":"10.0.0.1"`},
		{"param", "outcome=partial", []string{"--target", "127.0.0.1"}, `"signature_value":"partial"`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			base := append([]string{"--inject-id", "i-1"}, tt.flags...)
			scalar := dryRun(t, nil, append(base, "--config", writeFile(t, "s.yaml", tt.key+": "+tt.value+"\n"))...)
			list := dryRun(t, nil, append(base, "--config", writeFile(t, "l.yaml", tt.key+": ["+tt.value+"]\n"))...)
			block := dryRun(t, nil, append(base, "--config", writeFile(t, "b.yaml", tt.key+":\n  - "+tt.value+"\n"))...)
			flag := dryRun(t, nil, append(base, "--"+tt.key, tt.value)...)
			if !strings.Contains(scalar, tt.want) {
				t.Errorf("scalar %s: %s not applied: %s", tt.key, tt.value, scalar)
			}
			for name, got := range map[string]string{"flow list": list, "block list": block, "flag": flag} {
				if got != scalar {
					t.Errorf("%s differs from the scalar:\n%s\n%s", name, got, scalar)
				}
			}
		})
	}
}

// A string key keeps the text written: inject_id 00123 is not the number
// 83 (octal), nor 123; token 0x1F is not 31.
func TestConfigStringKeepsItsText(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	conf := writeFile(t, "c.yaml", "inject_id: 00123\ntoken: 0x1F\nphase: 1e3\nphase_any: true\nbackend_url: "+be.URL+"\n")
	r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--config", conf, "--outbox", "none")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if req := be.only(t); req.Path != "/api/injects/00123/callback" || req.Header.Get("Authorization") != "Bearer 0x1F" ||
		req.Body["phase"] != "1e3" {
		t.Errorf("%s, %s, phase %v", req.Path, req.Header.Get("Authorization"), req.Body["phase"])
	}

	// The openaev profile's dry run prints its calls.
	out := dryRun(t, nil, "--target", "127.0.0.1", "--config", writeFile(t, "o.yaml", "inject_id: 00123\nprofile: openaev\n"))
	var first struct{ Path string }
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Path != "/api/injects/execution/reception/00123" {
		t.Errorf("reception path %q", first.Path)
	}
}

// Flag > environment > config file > default: the highest present layer
// wins, for a scalar (phase) as for a list (expectation), whose layer's
// list replaces the lower ones', it is not merged with them. Params merge
// key by key: a higher layer replaces the keys it gives, and only those.
func TestConfigPrecedence(t *testing.T) {
	phaseConf := writeFile(t, "config.yaml", "phase: from_yaml\nphase_any: true\n")
	listConf := writeFile(t, "c.yaml", "expectation: [PREVENTION, DETECTION]\n")
	paramConf := writeFile(t, "p.yaml", "param: [outcome=partial, delay=1ms]\n")
	phase := func(body map[string]any) string { return body["phase"].(string) }
	outcome := func(body map[string]any) string {
		raw, _ := json.Marshal(body)
		m := regexp.MustCompile(`"execution_status","signature_value":"(\w+)"`).FindSubmatch(raw)
		if m == nil {
			return "no execution_status in " + string(raw)
		}
		return string(m[1])
	}
	partialEnv, successEnv := map[string]string{"INJECTKIT_PARAM": "outcome=partial"}, map[string]string{"INJECTKIT_PARAM": "delay=1ms,outcome=success"}
	types := func(body map[string]any) string {
		var got []string
		tgt := body["expectation_signature"].(map[string]any)["targets"].([]any)[0].(map[string]any)
		for _, g := range tgt["signature_values"].([]any) {
			got = append(got, g.(map[string]any)["expectation_type"].(string))
		}
		return strings.Join(got, ",")
	}
	phaseEnv, listEnv := map[string]string{"INJECTKIT_PHASE": "from_env"}, map[string]string{"INJECTKIT_EXPECTATION": "PREVENTION"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		read func(body map[string]any) string
		want string
	}{
		{"phase: default", nil, []string{"--phase-any"}, phase, "execution_complete"},
		{"phase: yaml over default", nil, []string{"--config", phaseConf}, phase, "from_yaml"},
		{"phase: env over yaml", phaseEnv, []string{"--config", phaseConf}, phase, "from_env"},
		{"phase: flag over env", phaseEnv, []string{"--config", phaseConf, "--phase", "from_flag"}, phase, "from_flag"},
		{"phase: config path from env", map[string]string{"INJECTKIT_CONFIG": phaseConf}, nil, phase, "from_yaml"},
		// An empty --config hides INJECTKIT_CONFIG, as any text flag
		// given empty hides the sources below it: no config file.
		{"phase: --config '' hides env's", map[string]string{"INJECTKIT_CONFIG": phaseConf}, []string{"--config", "", "--phase-any"}, phase, "execution_complete"},
		{"list: default", nil, nil, types, "DETECTION"},
		{"list: file", nil, []string{"--config", listConf}, types, "PREVENTION,DETECTION"},
		{"list: env over file", listEnv, []string{"--config", listConf}, types, "PREVENTION"},
		{"list: flag over env", listEnv, []string{"--config", listConf, "--expectation", "DETECTION"}, types, "DETECTION"},
		{"params: file and flag", nil, []string{"--config", paramConf, "--param", "delay=2ms"}, outcome, "partial"},
		{"params: env and flag", partialEnv, []string{"--param", "delay=2ms"}, outcome, "partial"},
		{"params: file and env", map[string]string{"INJECTKIT_PARAM": "delay=2ms"}, []string{"--config", paramConf}, outcome, "partial"},
		{"params: env over file, key by key", successEnv, []string{"--config", paramConf}, outcome, "success"},
		{"params: flag over env, key by key", successEnv, []string{"--config", paramConf, "--param", "outcome=partial"}, outcome, "partial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := dryRun(t, tt.env, append([]string{"--target", "127.0.0.1"}, tt.args...)...)
			var body map[string]any
			if err := json.Unmarshal([]byte(out), &body); err != nil {
				t.Fatal(err)
			}
			if got := tt.read(body); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// A URL refused for its query is named without its user information and
// without the values of its query, by every command that checks one,
// wherever it was given.
func TestRefusedURLHidesQuerySecrets(t *testing.T) {
	const url = "http://bob:pw@127.0.0.1:9/x?token=QSECRET"
	tests := []refusal{
		{"run", nil, []string{"run", "noop", "--target", "127.0.0.1", "--backend-url", url}, `invalid backend_url "http://127.0.0.1:9/x?token=REDACTED" (--backend-url)`},
		{"validate", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--backend-url", url}, `invalid backend_url "http://127.0.0.1:9/x?token=REDACTED" (--backend-url)`},
		{"run, from the environment", map[string]string{"INJECTKIT_BACKEND_URL": url}, []string{"run", "noop", "--target", "127.0.0.1"},
			`invalid backend_url "http://127.0.0.1:9/x?token=REDACTED" (env INJECTKIT_BACKEND_URL)`},
		{"outbox flush", nil, []string{"outbox", "flush", "--backend-url", url}, `invalid backend_url "http://127.0.0.1:9/x?token=REDACTED" (--backend-url)`},
		{"outbox retry-dead", nil, []string{"outbox", "retry-dead", "--backend-url", url}, `invalid backend_url "http://127.0.0.1:9/x?token=REDACTED" (--backend-url)`},
		{"serve", nil, []string{"serve", "--openaev-url", url}, `invalid openaev_url "http://127.0.0.1:9/x?token=REDACTED" (--openaev-url)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			maps.Copy(env, tt.env)
			r := run(t, registry(), env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", r.code, r.stderr, tt.want)
			}
			checkNotShown(t, r, "QSECRET", "pw", "bob")
		})
	}
}

// The outbox commands read the config file of `run`: its other keys are
// no error, an unknown key is.
func TestOutboxCommandsReadTheRunConfig(t *testing.T) {
	conf := writeFile(t, "c.yaml", "target: [127.0.0.1]\nexpectation: PREVENTION\ntoken: t\nlog_level: error\n")
	if r := run(t, registry(), nil, "outbox", "list", "--config", conf); r.code != 0 || !strings.Contains(r.stdout, "0 pending") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, "bad.yaml", "workerz: 3\n")
	if r := run(t, registry(), nil, "outbox", "list", "--config", bad); r.code != 2 || !strings.Contains(r.stderr, "workerz") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// The configuration wins over the inject file, field by field, a param key
// by key; one INFO line lists what a config file or the environment
// replaced (a flag is typed for the run: no line).
func TestConfigReplacesInjectFileValues(t *testing.T) {
	inject := writeFile(t, "inject.json", `{"inject_id":"f-1","injector":"noop","expectation_types":["PREVENTION"],`+
		`"targets":[{"value":"127.0.0.1"}],"params":{"outcome":"success"},"timeout":"5m"}`)
	shared := writeFile(t, "shared.yaml", "timeout: 30s\nexpectation: [DETECTION]\nparam:\n  - outcome=partial\ntarget: 10.0.0.1\n")
	other := writeFile(t, "other.yaml", "param:\n  - delay=0s\n")
	const line = "inject file values replaced by the configuration"
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		replaced []string // in the INFO line; nil: no line
	}{
		{"config file", nil, []string{"--config", shared}, []string{
			"timeout: timeout (config file " + shared + ":1)", "expectation_types: expectation (config file " + shared + ":2)",
			"params.outcome: param outcome (config file " + shared + ":4)", "targets: target (config file " + shared + ":5)"}},
		{"environment", map[string]string{"INJECTKIT_TIMEOUT": "30s", "INJECTKIT_PARAM": "outcome=partial"}, nil, []string{
			"timeout: timeout (env INJECTKIT_TIMEOUT)", "params.outcome: param outcome (env INJECTKIT_PARAM)"}},
		{"flags", nil, []string{"--timeout", "30s", "--expectation", "DETECTION", "--param", "outcome=partial", "--target", "10.0.0.1"}, nil},
		{"flags over the config file", nil, []string{"--config", shared, "--timeout", "30s", "--expectation", "DETECTION",
			"--param", "outcome=partial", "--target", "10.0.0.1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "--inject-file", inject, "-o", "json", "--log-format", "json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var got []string
			n := 0
			for _, l := range strings.Split(r.stderr, "\n") {
				var entry struct {
					Level, Msg string
					Replaced   []string
				}
				if json.Unmarshal([]byte(l), &entry) == nil && entry.Msg == line {
					n++
					got = entry.Replaced
					if entry.Level != "info" {
						t.Errorf("level %s, want info", entry.Level)
					}
				}
			}
			if tt.replaced == nil && n != 0 || tt.replaced != nil && (n != 1 || strings.Join(got, "|") != strings.Join(tt.replaced, "|")) {
				t.Errorf("%d lines %q replacing %q, want %q:\n%s", n, line, got, tt.replaced, r.stderr)
			}
		})
	}
	// A param of another key is merged with the file's: nothing replaced.
	r := run(t, registry(), nil, "run", "--inject-file", inject, "-o", "json", "--config", other)
	if r.code != 0 || strings.Contains(r.stderr, line) {
		t.Errorf("a param the file does not give is reported as replacing one:\n%s", r.stderr)
	}
}
