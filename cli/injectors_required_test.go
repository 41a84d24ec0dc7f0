package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
)

type requiredParams struct {
	Port  int           `json:"port" param:"required" doc:"port to probe"`
	On    bool          `json:"on" param:"required" doc:"switch"`
	Wait  time.Duration `json:"wait" param:"required" doc:"pause"`
	Name  string        `json:"name" param:"required" doc:"name"`
	Tries int           `json:"tries" param:"required" doc:"tries, given a value by NewParams"`
}

type required struct{}

func (required) NewParams() any { return &requiredParams{Tries: 3} }
func (r required) Manifest() framework.Manifest {
	return framework.Manifest{Name: "required", Category: framework.Network, Params: framework.MustParamsSpec(r.NewParams())}
}
func (required) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// A required param left at its zero value has no default, in the text and
// in the JSON of `injectors NAME`; one NewParams gives a value shows it.
func TestInjectorsRequiredParamHasNoDefault(t *testing.T) {
	reg := registry(func(r *framework.Registry) { r.Register("required", func() framework.Executor { return required{} }) })
	text := run(t, reg, nil, "injectors", "required")
	r := run(t, reg, nil, "injectors", "required", "-o", "json")
	var one struct{ Params []map[string]any }
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 || text.code != 0 {
		t.Fatalf("exit %d, %v:\n%s%s", r.code, err, r.stdout, text.stdout)
	}
	for _, p := range one.Params {
		name := p["name"].(string)
		def, has := p["default"]
		line := ""
		for _, l := range strings.Split(text.stdout, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), name+" <") {
				line = l
			}
		}
		if name == "tries" {
			if def != float64(3) || !strings.Contains(line, "default 3, required") {
				t.Errorf("tries: JSON default %v, text %q; want 3", def, line)
			}
			continue
		}
		if has || strings.Contains(line, "default") || !strings.HasSuffix(line, ", required") {
			t.Errorf("%s: JSON %v, text %q; want no default", name, p, line)
		}
	}
}
