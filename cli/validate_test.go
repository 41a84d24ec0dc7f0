package cli_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// validate checks what run checks and stops before running: it exits 0 or
// 2 (130 when interrupted while reading its input, as run), never
// executes the injector, sends nothing and opens no outbox.
func TestValidate(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	rec := &frameworktest.Executor{Category: framework.Network}
	reg := registry(func(r *framework.Registry) {
		r.Register("rec", func() framework.Executor { return rec })
	}, withQuery)
	box := filepath.Join(t.TempDir(), "outbox.db")
	long := strings.Repeat(strings.Repeat("a", 60)+".", 4) + "com" // a valid host name of 247 bytes
	injectFile := writeFile(t, "inject.json", `{"injector": "rec", "inject_id": "inj-v", "targets": [{"value": "127.0.0.1"}],
		"expectation_types": ["DETECTION", "PREVENTION", "detection"], "timeout": "5m"}`)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout when 0, else in stderr
	}{
		{"printed", []string{"rec", "--target", "127.0.0.1", "--target", "web.example.com"}, 0,
			"valid: rec on 2 network targets, DETECTION, timeout 10m0s; the signatures would be printed to stdout\n"},
		{"inject file and backend", []string{"--inject-file", injectFile, "--backend-url", be.URL, "--token", "tok"}, 0,
			"valid: rec on 1 network target, DETECTION, PREVENTION, timeout 5m0s; the signatures would be sent to " + be.URL},
		{"openaev profile", []string{"rec", "--target", "::1", "--profile", "openaev", "--backend-url", be.URL, "--inject-id", "i"}, 0,
			"would be reported to the OpenAEV platform at " + be.URL},
		{"no target", []string{"rec"}, 2, "at least one target"},
		{"hostile target", []string{"rec", "--target", "-oN/etc/passwd"}, 2, `"-oN/etc/passwd"`},
		{"targets file", []string{"rec", "--targets-file", writeFile(t, "hosts.txt", "127.0.0.1\nnot a host\n")}, 2, "hosts.txt:2"},
		{"bad param", []string{"noop", "--target", "127.0.0.1", "--param", "outcome=maybe"}, 2, `invalid param "outcome=maybe" (--param): not one of`},
		{"unknown param", []string{"noop", "--target", "127.0.0.1", "--param", "speed=3"}, 2, `invalid param "speed" (value withheld) (--param): unknown parameter`},
		{"param key in another case", []string{"--inject-file", writeFile(t, "case.json", `{"injector": "noop", "targets": [{"value": "127.0.0.1"}], "params": {"Outcome": "failed"}}`)},
			2, `case.json:1:70: invalid params.Outcome (value withheld): unknown parameter; keys are case-sensitive: write outcome`},
		{"--param key in another case", []string{"noop", "--target", "127.0.0.1", "--param", "OUTCOME=failed"}, 2,
			`invalid param "OUTCOME" (value withheld) (--param): unknown parameter; keys are case-sensitive: write outcome`},
		{"unknown injector", []string{"nope", "--target", "127.0.0.1"}, 2, `unknown injector "nope"`},
		{"bad expectation", []string{"rec", "--target", "127.0.0.1", "--expectation", "NOPE"}, 2, `"NOPE"`},
		{"malformed inject file", []string{"--inject-file", writeFile(t, "bad.json", `{"injector": "rec",`)}, 2, "bad.json"},
		{"unknown config key", []string{"rec", "--target", "127.0.0.1", "--config", writeFile(t, "c.yaml", "workerz: 3\n")}, 2, "workerz"},
		{"no inject id with a backend", []string{"rec", "--target", "127.0.0.1", "--backend-url", be.URL}, 2, "inject_id"},
		{"bad backend URL", []string{"rec", "--target", "127.0.0.1", "--backend-url", "ftp://x", "--inject-id", "i"}, 2, `"ftp://x"`},
		{"missing CA file", []string{"rec", "--target", "127.0.0.1", "--backend-url", "https://x.example", "--inject-id", "i",
			"--ca-file", "/nonexistent/ca.pem"}, 2, "/nonexistent/ca.pem"},
		{"size limit too small", []string{"rec", "--target", "127.0.0.1", "--max-payload-size", "100"}, 2, "max_payload_size"},
		{"target too large for the size limit", []string{"rec", "--target", long, "--max-payload-size", "400"}, 2, "bytes (--max-payload-size); this inject needs at least"},
		{"credentials in the platform URL", []string{"rec", "--target", "127.0.0.1", "--profile", "openaev",
			"--backend-url", "https://u:p@openaev.example", "--inject-id", "i"}, 2, `invalid backend_url "https://REDACTED@openaev.example" (--backend-url): must not hold credentials`},
		{"platform message", []string{"--openaev-message", injectFile}, 2, "not a platform message"},
		{"two injectors", []string{"rec", "noop", "--target", "127.0.0.1"}, 2, "one injector name"},
		{"required setting unset", []string{"query", "--query", "apache"}, 2,
			`invalid query.shodan_api_key "": required, every inject of query fails without it (set env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)`},
		{"help lists every exit code", []string{"--help"}, 0, "   130  interrupted (SIGINT, SIGTERM or SIGHUP) while reading its input files"},
		{"another category's targets: run's hint", []string{"rec", "--query", "port:22"}, 2, "hint: give network targets with --target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, map[string]string{"INJECTKIT_OUTBOX": box},
				append(append([]string{"validate"}, tt.args...), "--log-level", "error")...)
			switch {
			case r.code != tt.code:
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", r.code, tt.code, r.stdout, r.stderr)
			case tt.code == 0 && !strings.Contains(r.stdout, tt.want):
				t.Errorf("stdout %q lacks %q", r.stdout, tt.want)
			case tt.code != 0 && (!strings.Contains(r.stderr, tt.want) || r.stdout != ""):
				t.Errorf("stderr %q lacks %q, or stdout %q is not empty", r.stderr, tt.want, r.stdout)
			}
		})
	}
	if n := len(rec.Calls()); n != 0 {
		t.Errorf("the injector ran %d times", n)
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	noOutboxFile(t, box)
}

// validate refuses a platform message wherever it was set, and says where,
// as every other refused setting does; its help says so too, not run's
// description of the flag.
func TestValidateNamesWhereThePlatformMessageCameFrom(t *testing.T) {
	reg := registry()
	msg := writeFile(t, "msg.json", `{}`)
	conf := writeFile(t, "v.yaml", "# the platform's message\nopenaev_message: "+msg+"\n")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		where string
	}{
		{"flag", nil, []string{"--openaev-message", msg}, "(--openaev-message)"},
		{"environment", map[string]string{"INJECTKIT_OPENAEV_MESSAGE": msg}, nil, "(env INJECTKIT_OPENAEV_MESSAGE)"},
		{"config file", nil, []string{"--config", conf}, "v.yaml:2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, tt.env, append([]string{"validate", "--log-level", "error"}, tt.args...)...)
			want := `invalid openaev_message "` + msg + `" `
			if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, tt.where+": validate checks") {
				t.Errorf("exit %d, stderr %q; want 2 and %q naming %s", r.code, r.stderr, want, tt.where)
			}
		})
	}
	r := run(t, reg, nil, "validate", "--help")
	var line string
	for l := range strings.SplitSeq(r.stdout, "\n") {
		if strings.Contains(l, "--openaev-message value") {
			line = l
		}
	}
	if !strings.Contains(line, "refused by validate") || strings.Contains(line, "for debugging") {
		t.Errorf("validate --help describes --openaev-message as %q, want what validate does with it", line)
	}
}

// validate's --output is run's, checked (xml: exit 2), and says how
// validate's own verdict is printed: its one line of text, or one JSON
// object when JSON was asked (-o json, INJECTKIT_OUTPUT, the config
// file's output); unset, the line. It described run's stdout (a summary,
// each wire body), and then `validate -o json` printed text, which a
// script reading stdout as JSON failed to parse.
func TestValidateOutputHelpSaysItsVerdictIsText(t *testing.T) {
	reg := registry()
	r := run(t, reg, nil, "validate", "--help")
	var line string
	for l := range strings.SplitSeq(r.stdout, "\n") {
		if strings.Contains(l, "--output value") {
			line = l
		}
	}
	if !strings.Contains(line, "validate's own stdout is its verdict: one line of text (valid: …), or with json one JSON object") {
		t.Errorf("validate --help describes --output as %q, want what validate prints with it", line)
	}
	config := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(config, []byte("output: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		json bool
	}{
		{"-o text", nil, []string{"-o", "text"}, false},
		{"unset", nil, nil, false},
		{"-o json", nil, []string{"-o", "json"}, true},
		{"--output json", nil, []string{"--output", "json"}, true},
		{"env", map[string]string{"INJECTKIT_OUTPUT": "json"}, nil, true},
		{"config file", nil, []string{"--config", config}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, tt.env, append([]string{"validate", "noop", "--target", "127.0.0.1"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
			}
			var v map[string]any
			err := json.Unmarshal([]byte(r.stdout), &v)
			switch {
			case tt.json && err != nil:
				t.Errorf("stdout %q is not one JSON document: %v", r.stdout, err)
			case tt.json && (v["valid"] != true || v["injector"] != "noop" || v["targets"] != 1.0):
				t.Errorf("stdout %q; want valid, injector noop, 1 target", r.stdout)
			case !tt.json && !strings.HasPrefix(r.stdout, "valid: noop on 1 network target"):
				t.Errorf("stdout %q; want the verdict line", r.stdout)
			}
		})
	}
	if r := run(t, reg, nil, "validate", "noop", "--target", "127.0.0.1", "-o", "xml"); r.code != cli.ExitUsage ||
		!strings.Contains(r.stderr, `invalid output "xml" (--output): want text or json`) || r.stdout != "" {
		t.Errorf("-o xml: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
}

// validate warns where run warns of a max payload size the platform's
// broker drops by default (above 16776704 bytes with the openaev
// profile), once each; neither warns at the limit. validate was silent.
func TestValidateWarnsOfTheBrokerLimitAsRun(t *testing.T) {
	const warn = "max payload size above 16776704 bytes: the platform's broker (RabbitMQ) drops"
	for _, tc := range []struct {
		cmd, size string
		warns     int
	}{
		{"validate", "16776705", 1},
		{"run", "16776705", 1},
		{"validate", "16776704", 0},
		{"run", "16776704", 0},
	} {
		t.Run(tc.cmd+" "+tc.size, func(t *testing.T) {
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")},
				tc.cmd, "noop", "--target", "127.0.0.1", "--profile", "openaev", "--max-payload-size", tc.size)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, warn); n != tc.warns {
				t.Errorf("%d WARNs of the broker's limit, want %d:\n%s", n, tc.warns, r.stderr)
			}
		})
	}
}
