package cli_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

type demoParams struct {
	Ports string `json:"ports" doc:"ports to scan, a long explanation of what the ports may be, written to be wrapped over several lines of a narrow terminal"`
	Mode  string `json:"mode" param:"enum=fast|slow" doc:"how fast"`
}

// demo has params, settings (one secret, with a default that must never
// be printed) and a description too long for one line.
type demo struct{ idle }

func (demo) NewParams() any { return &demoParams{Mode: "fast"} }

func (d demo) Manifest() framework.Manifest {
	return framework.Manifest{
		Name: "demo", Category: framework.Network,
		Description: strings.Repeat("Probes the targets and reports what it found. ", 6),
		Params:      framework.MustParamsSpec(d.NewParams()),
		Settings: []framework.Setting{
			{Key: "api_key", Env: "DEMO_API_KEY", Secret: true, Default: "hunter2-default", Doc: "the API key"},
			{Key: "base_url", Env: "DEMO_BASE_URL", Default: "https://demo.example", Doc: "the API"},
			{Key: "token", Env: "DEMO_TOKEN", Secret: true, Doc: "the token"},
		},
		Expectations:      []framework.ExpectationType{framework.Detection},
		Outputs:           []framework.Output{{Type: "port", Field: "ports", Multiple: true}},
		Domains:           []framework.Domain{framework.DomainNetwork},
		SecurityPlatforms: map[framework.ExpectationType][]string{framework.Detection: {framework.SecurityNDR, framework.SecuritySIEM}},
	}
}

func withDemo(r *framework.Registry) {
	r.Register("demo", func() framework.Executor { return demo{} })
}

// The list fits the terminal, $COLUMNS, else 100 columns.
func TestInjectorsListFitsTheTerminal(t *testing.T) {
	for _, tt := range []struct {
		columns string
		width   int
	}{{"", 100}, {"60", 60}, {"150", 150}, {"nonsense", 100}} {
		r := run(t, registry(withDemo), map[string]string{"COLUMNS": tt.columns}, "injectors")
		if r.code != 0 || !strings.Contains(r.stdout, "demo") || !strings.Contains(r.stdout, "params: ports, mode") ||
			!strings.Contains(r.stdout, "params: delay, outcome") {
			t.Fatalf("COLUMNS=%q: exit %d\n%s%s", tt.columns, r.code, r.stdout, r.stderr)
		}
		longest := 0
		for _, l := range strings.Split(r.stdout, "\n") {
			longest = max(longest, utf8.RuneCountInString(l))
		}
		if longest > tt.width || longest < tt.width-30 {
			t.Errorf("COLUMNS=%q: longest line %d columns, want at most %d (and the room used)\n%s", tt.columns, longest, tt.width, r.stdout)
		}
	}
}

// One injector's page fits the terminal too, its PARAMS and SETTINGS
// headers wrapped as its lines are.
func TestInjectorShownFitsTheTerminal(t *testing.T) {
	reg := registry(withNmapScanner, withQuery, withDemo)
	for _, name := range []string{"nmap", "query", "demo", "noop"} {
		for _, width := range []int{40, 60, 100} {
			r := run(t, reg, map[string]string{"COLUMNS": fmt.Sprint(width)}, "injectors", name)
			if r.code != 0 || !strings.Contains(r.stdout, "SETTINGS") || !strings.Contains(r.stdout, "PARAMS") {
				t.Fatalf("%s at %d: exit %d\n%s%s", name, width, r.code, r.stdout, r.stderr)
			}
			for _, l := range strings.Split(r.stdout, "\n") {
				if utf8.RuneCountInString(l) > width {
					t.Errorf("%s at COLUMNS=%d: a line of %d columns: %q", name, width, utf8.RuneCountInString(l), l)
				}
			}
		}
	}
}

// One injector: its params and settings with their defaults, and the
// value the configuration gives each setting; never a secret's value.
func TestInjectorsShowsOne(t *testing.T) {
	conf := writeFile(t, "c.yaml", "demo:\n  base_url: https://other.example\ntarget: [127.0.0.1]\n")
	for _, tt := range []struct {
		name       string
		env        map[string]string
		args       []string
		want, lack []string
	}{
		{"defaults", nil, nil,
			[]string{"demo (network targets)", "ports <string>, no default", "mode <fast|slow>, default fast", "expectations: DETECTION",
				"domains: Network", "answered by (DETECTION): NDR, SIEM",
				"api_key, env DEMO_API_KEY, secret, set", "base_url, env DEMO_BASE_URL, default https://demo.example\n", "key demo.KEY",
				"token, env DEMO_TOKEN, secret, not set"},
			[]string{"hunter2", "set to"}},
		{"configured", map[string]string{"DEMO_API_KEY": "s3cret-value"}, []string{"--config", conf},
			[]string{"api_key, env DEMO_API_KEY, secret, set", `default https://demo.example, set to "https://other.example"`},
			[]string{"s3cret", "hunter2"}},
		{"secret given", map[string]string{"DEMO_TOKEN": "t0ken-value"}, nil, []string{"token, env DEMO_TOKEN, secret, set"}, []string{"t0ken"}},
		// A URL setting is shown as run and validate name a URL: without
		// its credentials, query values or fragment.
		{"URL with credentials", map[string]string{"DEMO_BASE_URL": "http://admin:pw-s3cret@127.0.0.1:18641/?token=qtok#frag"}, nil,
			[]string{`"http://REDACTED@127.0.0.1:18641/?token=REDACTED#REDACTED"`}, []string{"admin", "pw-s3cret", "qtok", "frag"}},
		{"user information read as a port and path", map[string]string{"DEMO_BASE_URL": "http://svc:Zx9/pw-s3cret@127.0.0.1:1"}, nil,
			[]string{`set to "http://REDACTED@127.0.0.1:1"`}, []string{"Zx9", "pw-s3cret"}},
		{"unparsable URL", map[string]string{"DEMO_BASE_URL": "http://svc:Zx9/pw-s3cret@127.0.0.1:1/?k=v"}, nil,
			[]string{`set to "(unparsable URL)"`}, []string{"Zx9", "pw-s3cret"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withDemo), tt.env, append([]string{"injectors", "demo"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			checkSays(t, "stdout", r.stdout, tt.want, tt.lack)
		})
	}
	if r := run(t, registry(withDemo), nil, "injectors", "demo", "noop"); r.code != 2 {
		t.Errorf("two names: exit %d", r.code)
	}
}

// TestInjectorsFollowsLogSettings checks that `injectors` writes the WARN
// about an unknown environment variable as the log settings say, from a
// flag, the environment or a config file alike: none at level error, a
// JSON line with the json format.
func TestInjectorsFollowsLogSettings(t *testing.T) {
	stray := map[string]string{"INJECTKIT_VERSION": "1"}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range stray {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	errorFile := writeFile(t, "le.yaml", "log_format: json\nlog_level: error\n")
	jsonFile := writeFile(t, "lj.yaml", "log_format: json\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		warn bool // whether a WARN line is written (as JSON)
	}{
		{"level error from the environment", with(map[string]string{"INJECTKIT_LOG_LEVEL": "error", "INJECTKIT_LOG_FORMAT": "json"}),
			[]string{"injectors", "-o", "json"}, false},
		{"level error from the config file", stray, []string{"injectors", "--config", errorFile}, false},
		{"level error as a flag", stray, []string{"injectors", "--log-level", "error"}, false},
		{"json from the environment", with(map[string]string{"INJECTKIT_LOG_FORMAT": "json"}), []string{"injectors", "noop"}, true},
		{"json from the config file", stray, []string{"injectors", "--config", jsonFile}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("exit %d, want 0 with a listing:\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
			}
			if !tt.warn {
				if r.stderr != "" {
					t.Errorf("want nothing on stderr at level error, got:\n%s", r.stderr)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			var entry struct {
				Level string   `json:"level"`
				Msg   string   `json:"msg"`
				Names []string `json:"names"`
			}
			if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &entry) != nil {
				t.Fatalf("want one JSON log line, got:\n%s", r.stderr)
			}
			if entry.Level != "warn" || !strings.Contains(entry.Msg, "unknown environment variable ignored") ||
				len(entry.Names) != 1 || entry.Names[0] != "INJECTKIT_VERSION" {
				t.Errorf("want the WARN naming INJECTKIT_VERSION, got %+v", entry)
			}
		})
	}
}

// TestInjectorsMarkWhatOpenAEVRefuses: an injector valid for injectkit
// whose contract the platform would refuse (a platform "linux", an output
// type "ports") is listed marked with every problem, in text and in JSON
// (openaev_refuses), and `injectors bad` says so too; the listing exits
// 0, and the others are unmarked.
func TestInjectorsMarkWhatOpenAEVRefuses(t *testing.T) {
	reg, _ := badRegistry(framework.Manifest{Description: "a probe", Platforms: []string{"linux"},
		Outputs: []framework.Output{{Type: "ports", Field: "open"}}})
	wants := []string{`invalid bad.platforms "linux": not an OpenAEV platform type`, `invalid bad.outputs.open "ports": not an OpenAEV output type`}

	bad, noop := badAndNoop(t, reg)
	for _, w := range append([]string{"OpenAEV refuses it: "}, wants...) {
		if !strings.Contains(bad, w) {
			t.Errorf("bad's entry does not say %q:\n%s", w, bad)
		}
	}
	if strings.Contains(bad+noop, "invalid manifest") || strings.Contains(noop, "OpenAEV refuses") {
		t.Errorf("marked otherwise:\n%s\n%s", bad, noop)
	}

	for _, e := range listInjectors(t, reg, nil) {
		for _, w := range wants {
			if got := strings.Contains(e.OpenAEVRefuses, w); got != (e.Name == "bad") {
				t.Errorf("%s: openaev_refuses %q; want %q in it: %v", e.Name, e.OpenAEVRefuses, w, e.Name == "bad")
			}
		}
	}

	r := run(t, reg, map[string]string{"COLUMNS": "100"}, "injectors", "bad")
	if r.code != cli.ExitOK || !strings.Contains(words(r.stdout), "OpenAEV refuses it") || !strings.Contains(words(r.stdout), wants[1]) {
		t.Errorf("injectors bad: exit %d, want 0 saying OpenAEV refuses it:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// `injectors bad -o json` carries the mark too: it said nothing of it.
	for _, name := range []string{"bad", "noop"} {
		r = run(t, reg, nil, "injectors", name, "-o", "json")
		var e injectorJSON
		if err := json.Unmarshal([]byte(r.stdout), &e); r.code != cli.ExitOK || err != nil {
			t.Fatalf("injectors %s -o json: exit %d, %v\n%s%s", name, r.code, err, r.stdout, r.stderr)
		}
		for _, w := range wants {
			if got := strings.Contains(e.OpenAEVRefuses, w); got != (name == "bad") {
				t.Errorf("injectors %s -o json: openaev_refuses %q; want %q in it: %v", name, e.OpenAEVRefuses, w, name == "bad")
			}
		}
	}
}
