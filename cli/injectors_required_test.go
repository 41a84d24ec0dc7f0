package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

type requiredParams struct {
	Port  int           `json:"port" param:"required" doc:"port to probe"`
	On    bool          `json:"on" param:"required" doc:"switch"`
	Wait  time.Duration `json:"wait" param:"required" doc:"pause"`
	Name  string        `json:"name" param:"required" doc:"name"`
	Tries int           `json:"tries" doc:"tries, given a value by NewParams"`
}

type required struct{ idle }

func (required) NewParams() any { return &requiredParams{Tries: 3} }
func (r required) Manifest() framework.Manifest {
	return framework.Manifest{Name: "required", Category: framework.Network, Params: framework.MustParamsSpec(r.NewParams())}
}

// A required param (left at its zero value: ParamsSpec refuses one with a
// default) has no default, in the text and in the JSON of `injectors
// NAME`; an optional one NewParams gives a value shows it, not required.
func TestInjectorsRequiredParamHasNoDefault(t *testing.T) {
	reg := withFake("required", required{})
	text, params := injectorHelp(t, reg, "required")
	for _, p := range params {
		name := p["name"].(string)
		def, has := p["default"]
		line := ""
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), name+" <") {
				line = l
			}
		}
		if name == "tries" {
			if def != float64(3) || !strings.HasSuffix(line, "default 3") {
				t.Errorf("tries: JSON default %v, text %q; want 3", def, line)
			}
			continue
		}
		if has || strings.Contains(line, "default") || !strings.HasSuffix(line, ", required") {
			t.Errorf("%s: JSON %v, text %q; want no default", name, p, line)
		}
	}
}

// The help's examples give a required param its example value
// (`param:"example=v"`), else a placeholder to replace: never its zero
// value, which a Validate would refuse.
func TestHelpExamplesRequiredParams(t *testing.T) {
	tests := []struct {
		name  string
		reg   *framework.Registry
		want  []string
		never []string
	}{
		{"example values", registry(withAuth), []string{"--param count=3 "}, []string{"count=0", "count=1"}},
		{"placeholders", registry(func(r *framework.Registry) {
			r.Register("required", func() framework.Executor { return required{} })
		}), []string{"--param port=PORT "}, []string{"port=0", "port=1", "wait=0s", "on=false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, cli.Options{Registry: tt.reg, Name: "hello", Version: "1.0.0"}, nil, "run", "--help")
			_, examples, _ := strings.Cut(r.stdout, "\nEXAMPLES:\n")
			checkSays(t, "examples", examples, tt.want, tt.never)
		})
	}
}

// needy has a required setting with an environment variable, and an
// optional one.
type needy struct{ idle }

func (needy) Manifest() framework.Manifest {
	return framework.Manifest{Name: "needy", Category: framework.Network, Settings: []framework.Setting{
		{Key: "resolver", Env: "NEEDY_RESOLVER", Required: true, Doc: "DNS server host:port"},
		{Key: "zone", Env: "NEEDY_ZONE", Doc: "zone"},
	}}
}

// A required setting is shown as required, in the text and the JSON of
// `injectors NAME`, as a required param is; and the help's examples of
// run say it, with a value to replace, so that each runs as written.
func TestRequiredSettingShownAndGivenInExamples(t *testing.T) {
	reg := withFake("needy", needy{})
	text := run(t, reg, nil, "injectors", "needy")
	for _, want := range []string{"resolver, env NEEDY_RESOLVER, no default, required\n", "zone, env NEEDY_ZONE, no default\n"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("injectors needy does not say %q:\n%s", want, text.stdout)
		}
	}
	js := run(t, reg, nil, "injectors", "needy", "-o", "json")
	var one struct{ Settings []map[string]any }
	if err := json.Unmarshal([]byte(js.stdout), &one); err != nil || len(one.Settings) != 2 {
		t.Fatalf("injectors needy -o json: %v\n%s", err, js.stdout)
	}
	if one.Settings[0]["required"] != true || one.Settings[1]["required"] != false {
		t.Errorf("settings' required: %v, %v; want true, false", one.Settings[0]["required"], one.Settings[1]["required"])
	}
	help := runWith(t, cli.Options{Registry: reg, Name: "hello", Version: "1.0.0"}, nil, "run", "--help")
	_, examples, _ := strings.Cut(help.stdout, "\nEXAMPLES:\n")
	const prefix = "NEEDY_RESOLVER=RESOLVER hello run needy "
	var ran int
	for l := range strings.SplitSeq(examples, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "NEEDY_RESOLVER=") && strings.Contains(l, "run needy") {
			t.Errorf("example %q does not give the required setting", l)
		}
		if cmd, ok := strings.CutPrefix(l, prefix); ok && !strings.Contains(cmd, "#") {
			r := runWith(t, cli.Options{Registry: reg, Name: "hello", Version: "1.0.0"},
				map[string]string{"NEEDY_RESOLVER": "RESOLVER"}, append([]string{"run", "needy"}, strings.Fields(cmd)...)...)
			if r.code != 0 {
				t.Errorf("%s: exit %d\n%s", l, r.code, r.stderr)
			}
			ran++
		}
	}
	if ran == 0 {
		t.Errorf("no example runs needy with its setting:\n%s", examples)
	}
}
