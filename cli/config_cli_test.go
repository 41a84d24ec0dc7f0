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

// Bad configuration exits 2 before anything runs, with one line naming the
// key, the value and where it came from: the flag, the variable or the
// file (after the WARN "inject rejected" of a param its injector refuses).
func TestConfigErrorsNameTheSource(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		yaml string   // the config file, when set
		want []string // in stderr; "FILE" is the config file's path
	}{
		{name: "unknown key", yaml: "phase: x\nexpectations: [PREVENTION]\n", want: []string{"config file FILE:2: unknown key expectations\n"}},
		{name: "bad flag", args: []string{"--max-payload-size", "-1"}, want: []string{`invalid max_payload_size "-1" (--max-payload-size): not a positive integer`}},
		{name: "bad env", env: map[string]string{"INJECTKIT_TIMEOUT": "soon"}, want: []string{`invalid timeout "soon" (env INJECTKIT_TIMEOUT)`}},
		{name: "bad file value", yaml: "insecure: maybe\n", want: []string{`invalid insecure "maybe" (config file FILE:1): not a boolean`}},
		{name: "bad enum", yaml: "profile: openAEV2\n", want: []string{`invalid profile "openAEV2" (config file FILE:1): want callback or openaev`}},
		{name: "bad log level", env: map[string]string{"INJECTKIT_LOG_LEVEL": "loud"}, want: []string{`invalid log_level "loud" (env INJECTKIT_LOG_LEVEL)`}},
		{name: "bad platform version", args: []string{"--openaev-version", "latest"}, want: []string{`invalid openaev_version "latest" (--openaev-version): not a platform version`}},
		{name: "list for a scalar key", yaml: "phase: [a, b]\n", want: []string{"invalid phase (config file FILE:1): want one value, not a list"}},
		{name: "mapping for a scalar key", yaml: "inject_id: {a: 1}\n", want: []string{"invalid inject_id (config file FILE:1): want one value, not a mapping"}},
		{name: "mapping for a list key", yaml: "param:\n  outcome: failed\n", want: []string{"invalid param (config file FILE:2): want a value or a list of values, not a mapping"}},
		{name: "secret not echoed", args: []string{"--profile", "nope"}, env: map[string]string{"INJECTKIT_TOKEN": "s3cret"}, want: []string{`invalid profile "nope"`}},
		{name: "missing file", args: []string{"--config", "/nonexistent/injectkit.yaml"}, want: []string{`invalid config "/nonexistent/injectkit.yaml"`}},
		{name: "param refused, given twice", args: []string{"--param", "delay=1s", "--param", "outcome=failed", "--param", "delay=2s"},
			want: []string{`invalid param "delay=2s" (--param): delay given twice`}},
		{name: "param refused, given twice in the file", yaml: "param: [outcome=failed, outcome=success]\n",
			want: []string{`invalid param "outcome=success" (config file FILE:1): outcome given twice`}},
		// The file's second copy is the duplicate, though a --param of the
		// same text replaces its first: each key once per source.
		{name: "param refused, given twice in the file, the first replaced by a flag of the same text",
			yaml: "param: [outcome=failed, outcome=success]\n", args: []string{"--param", "outcome=success"},
			want: []string{`invalid param "outcome=success" (config file FILE:1): outcome given twice`}},
		{name: "param refused, given twice in the file with one text",
			yaml: "param:\n  - outcome=success\n  - outcome=success\n",
			want: []string{`invalid param "outcome=success" (config file FILE:3): outcome given twice`}},
		{name: "param refused, given twice by the flags, one copy the file's text", yaml: "param:\n  - delay=1ms\n",
			args: []string{"--param", "delay=1ms", "--param", "delay=1ms"},
			want: []string{`invalid param "delay=1ms" (--param): delay given twice`}},
		{name: "backend URL scheme", args: []string{"--backend-url", "ftp://h", "--inject-id", "i"}, want: []string{`invalid backend_url "ftp://h" (--backend-url): scheme must be http or https`}},
		{name: "backend URL query", env: map[string]string{"INJECTKIT_BACKEND_URL": "http://h/?a=1"}, args: []string{"--inject-id", "i"},
			want: []string{`invalid backend_url "http://h/?a=REDACTED" (env INJECTKIT_BACKEND_URL): must not have a query or fragment`}},
		// Found after decoding, by the injector or the profile: still named
		// as the user gave them.
		{name: "param refused, from the environment", env: map[string]string{"INJECTKIT_PARAM": "delay=-3"},
			want: []string{`invalid param "delay=-3" (env INJECTKIT_PARAM): negative duration`}},
		{name: "param refused, from the file", yaml: "phase: execution_complete\nparam:\n  - outcome=maybe\n",
			want: []string{`invalid param "outcome=maybe" (config file FILE:3): not one of success, partial, failed`}},
		{name: "param refused, from the file beside a --param", yaml: "param: [delay=-3]\n", args: []string{"--param", "outcome=partial"},
			want: []string{`invalid param "delay=-3" (config file FILE:1): negative duration`}},
		{name: "param refused, from the environment beside a --param", env: map[string]string{"INJECTKIT_PARAM": "outcome=maybe,delay=1ms"}, args: []string{"--param", "delay=2ms"},
			want: []string{`invalid param "outcome=maybe" (env INJECTKIT_PARAM): not one of success, partial, failed`}},
		{name: "param refused, from the flag over the file's", yaml: "param: [delay=1ms]\n", args: []string{"--param", "delay=-3"},
			want: []string{`invalid param "delay=-3" (--param): negative duration`}},
		{name: "payload size too small for the profile", args: []string{"--max-payload-size", "10", "--log-level", "error"},
			want: []string{`invalid max_payload_size "10" (--max-payload-size): smaller than a body with no target`}},
		{name: "expectation from the file", yaml: "expectation: DETECT\n",
			want: []string{`invalid expectation "DETECT" (config file FILE:1): want DETECTION`}},
		{name: "backend URL port", yaml: "backend_url: https://u:s3cret@h:0/\ninject_id: i\n",
			want: []string{`invalid backend_url "https://h:0/" (config file FILE:1): invalid port "0"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "noop", "--target", "127.0.0.1"}, tt.args...)
			path := ""
			if tt.yaml != "" {
				path = writeFile(t, "c.yaml", tt.yaml)
				args = append(args, "--config", path)
			}
			r := run(t, registry(), tt.env, args...)
			if r.code != 2 || r.stdout != "" {
				t.Fatalf("exit %d, want 2 and nothing printed; stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "FILE", path); !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not mention %q", r.stderr, w)
				}
			}
			// A param the injector refuses refuses the inject: the run's
			// WARN "inject rejected" comes first, as for every refused
			// param.
			errLine, rejected := r.stderr, 0
			if strings.HasPrefix(tt.name, "param refused") {
				rejected = 1
				_, errLine, _ = strings.Cut(r.stderr, "\n")
			}
			if n := strings.Count(r.stderr, "\tWARN\tinject rejected\t"); n != rejected {
				t.Errorf("%d WARN inject rejected lines, want %d: %q", n, rejected, r.stderr)
			}
			if n := strings.Count(strings.TrimSpace(errLine), "\n"); n != 0 || strings.Contains(r.stderr, "s3cret") {
				t.Errorf("want one line without the token: %q", r.stderr)
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

// A target refused names where it was given: the flag, its environment
// variable or the config file's line; so does --max-targets.
func TestTargetErrorsNameTheirOrigin(t *testing.T) {
	conf := writeFile(t, "c.yaml", "log_level: error\ntarget: [\"a b\"]\n")
	hosts, sized := writeFile(t, "h2.txt", "127.0.0.1\n"), writeFile(t, "s.yaml", "max_payload_size: 300\n")
	tests := []refusal{
		{"flag", nil, []string{"--target", "a b"}, `invalid --target "a b": host name`},
		{"env", map[string]string{"INJECTKIT_TARGET": "a b"}, nil, `invalid target "a b" (env INJECTKIT_TARGET): host name`},
		{"config file", nil, []string{"--config", conf}, `invalid target "a b" (config file ` + conf + `:2): host name`},
		{"max targets from env", map[string]string{"INJECTKIT_MAX_TARGETS": "4"}, []string{"--target", "10.0.0.0/29"},
			`more than --max-targets 4 (env INJECTKIT_MAX_TARGETS)`},
		{"query from env", map[string]string{"INJECTKIT_QUERY": "a\x01"}, nil, `invalid query "a\x01" (env INJECTKIT_QUERY)`},
		// A target too large for any body: named where written, with the
		// size where given.
		{"too large, targets file", nil, []string{"--targets-file", hosts, "--max-payload-size", "300"},
			hosts + `:1: invalid target "127.0.0.1": its signatures fit in no body of at most 300 bytes (--max-payload-size); this inject needs at least N bytes`},
		{"too large, size from env", map[string]string{"INJECTKIT_MAX_PAYLOAD_SIZE": "300"}, []string{"--target", "127.0.0.1"},
			`invalid --target "127.0.0.1": its signatures fit in no body of at most 300 bytes (max_payload_size, env INJECTKIT_MAX_PAYLOAD_SIZE); this inject needs at least N bytes`},
		{"too large, query, size from the config file", nil, []string{"--query", "port:22", "--config", sized},
			`invalid --query "port:22": its signatures fit in no body of at most 300 bytes (max_payload_size, config file ` + sized + `:1); this inject needs at least N bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"validate", "noop"}, tt.args...)...)
			// The least size depends on the machine's source addresses.
			stderr := leastSize.ReplaceAllString(r.stderr, "at least N bytes")
			if r.code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", r.code, r.stderr, tt.want)
			}
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

// A target key of the config file that is refused is named as the key,
// with its file and line, as other keys are; a flag is named as the flag.
func TestConfigFileTargetKeysNamedAsKeys(t *testing.T) {
	tests := []struct {
		name, conf string
		args       []string // besides --config
		want       string   // %s: the config file's path
	}{
		{"target, two in one", "target: 10.0.0.1,10.0.0.2\n", nil, `invalid target "10.0.0.1,10.0.0.2" (config file %s:1): `},
		{"target, an item of a list", "target:\n  - 10.0.0.1\n  - 10.0.0.2,10.0.0.3\n", nil,
			`invalid target "10.0.0.2,10.0.0.3" (config file %s:3): `},
		{"target beside a cloud key", "target: 10.0.0.1\ncloud_provider: aws\n", nil,
			`invalid target "10.0.0.1" (config file %s:1): cloud targets (cloud_provider (config file %s:2)) take no --target`},
		{"query beside a cloud key", "query: port:22\ncloud_provider: aws\n", nil,
			`invalid query "port:22" (config file %s:1): cloud targets`},
		{"flag, the file's cloud key", "cloud_provider: aws\n", []string{"--target", "10.0.0.1"},
			`invalid --target "10.0.0.1": cloud targets (cloud_provider (config file %s:1))`},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				conf := writeFile(t, "c.yaml", tt.conf)
				args := append([]string{cmd, "noop", "--log-level", "error", "--config", conf}, tt.args...)
				r := run(t, registry(), map[string]string{"AWS_EC2_METADATA_DISABLED": "true"}, args...)
				want := strings.ReplaceAll(tt.want, "%s", conf)
				if r.code != 2 || !strings.Contains(r.stderr, want) {
					t.Errorf("exit %d, want 2 with %q:\n%s", r.code, want, r.stderr)
				}
			})
		}
	}
}

// A refused phase names the one source it came from: the flag, the
// environment variable, or the config file's line.
func TestPhaseNamesItsSource(t *testing.T) {
	conf := writeFile(t, "p.yaml", "target: 127.0.0.1\nphase: foo\n")
	wantRefused(t, registry(), nil, []string{"noop"}, " or phase in the config file", []refusal{
		{"flag", nil, []string{"--target", "127.0.0.1", "--phase", "foo"}, `invalid phase "foo" (--phase): want execution_complete`},
		{"env", map[string]string{"INJECTKIT_PHASE": "foo"}, []string{"--target", "127.0.0.1"},
			`invalid phase "foo" (env INJECTKIT_PHASE): want execution_complete`},
		{"config file", nil, []string{"--config", conf}, `invalid phase "foo" (config file ` + conf + `:2): want execution_complete`},
		{"not an id, env", map[string]string{"INJECTKIT_PHASE": "a/b"}, []string{"--target", "127.0.0.1"}, `(env INJECTKIT_PHASE)`},
	})
}

// An empty query is refused, named where it was given, never dropped as
// if no query had been given.
func TestEmptyQueryRefused(t *testing.T) {
	one := writeFile(t, "one.yaml", "query: \"\"\n")
	list := writeFile(t, "list.yaml", "query:\n  - apache\n  - \"\"\n")
	env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:9", "INJECTKIT_SHODAN_API_KEY": "k"}
	wantRefused(t, registry(withQuery), env, []string{"noop"}, "", []refusal{
		{"flag", nil, []string{"--query", ""}, `invalid --query "": must not be blank`},
		{"flag, blank", nil, []string{"--query", " "}, `invalid --query " ": must not be blank`},
		{"flag beside another", nil, []string{"--query", "apache", "--query", ""}, `invalid --query "": must not be blank`},
		{"env, blank", map[string]string{"INJECTKIT_QUERY": " "}, nil, `invalid query " " (env INJECTKIT_QUERY): must not be blank`},
		{"config file", nil, []string{"--config", one}, `invalid query "" (config file ` + one + `:1): must not be blank`},
		{"config file list item", nil, []string{"--config", list}, `invalid query "" (config file ` + list + `:3): must not be blank`},
	})
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
