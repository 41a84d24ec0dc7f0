package cli_test

import (
	"strings"
	"testing"
)

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
		{name: "unknown key", yaml: "phase: x\nexpectations: [PREVENTION]\n", want: []string{"config file FILE:2: unknown key expectations (did you mean expectation?)\n"}},
		{name: "bad flag", args: []string{"--max-payload-size", "-1"}, want: []string{`invalid max_payload_size "-1" (--max-payload-size): not a positive integer`}},
		{name: "bad env", env: map[string]string{"INJECTKIT_TIMEOUT": "soon"}, want: []string{`invalid timeout "soon" (env INJECTKIT_TIMEOUT)`}},
		{name: "bad file value", yaml: "insecure: maybe\n", want: []string{`invalid insecure "maybe" (config file FILE:1): not a boolean`}},
		{name: "bad enum", yaml: "profile: openAEV2\n", want: []string{`invalid profile "openAEV2" (config file FILE:1): want callback or openaev`}},
		{name: "bad log level", env: map[string]string{"INJECTKIT_LOG_LEVEL": "loud"}, want: []string{`invalid log_level "loud" (env INJECTKIT_LOG_LEVEL)`}},
		// zap's levels above error, which the help does not name, would hide every ERROR line.
		{name: "log level above error", env: map[string]string{"INJECTKIT_LOG_LEVEL": "fatal"},
			want: []string{`invalid log_level "fatal" (env INJECTKIT_LOG_LEVEL): want debug, info, warn or error`}},
		{name: "log level panic", args: []string{"--log-level", "panic"}, want: []string{`invalid log_level "panic" (--log-level): want debug, info, warn or error`}},
		{name: "log level dpanic", yaml: "log_level: DPANIC\n", want: []string{`invalid log_level "DPANIC" (config file FILE:1): want debug, info, warn or error`}},
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
		// A param a higher source's of its key replaces is read all the
		// same (checkHiddenParams), before anything runs.
		{name: "hidden param, the file's under a flag", yaml: "param: [delay=soon, outcome=success]\n", args: []string{"--param", "delay=1ms"},
			want: []string{`invalid param "delay=soon" (config file FILE:1): not a duration`, `(hidden today by a higher source's delay)`}},
		{name: "hidden param, the environment's under a flag", env: map[string]string{"INJECTKIT_PARAM": "outcome=maybe"}, args: []string{"--param", "outcome=success"},
			want: []string{`invalid param "outcome=maybe" (env INJECTKIT_PARAM): not one of success, partial, failed (hidden today`}},
		{name: "hidden param, the file's under the environment", yaml: "param:\n  - delay=1ms\n  - outcome=maybe\n", env: map[string]string{"INJECTKIT_PARAM": "outcome=partial"},
			want: []string{`invalid param "outcome=maybe" (config file FILE:3): not one of success, partial, failed (hidden today`}},
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
