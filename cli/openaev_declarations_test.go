package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// declares is an injector whose hand-written manifest edit changes.
type declares struct {
	idle
	edit func(*framework.Manifest)
}

type declaresParams struct {
	Mode string `json:"mode" doc:"sub mode"`
}

func (*declares) NewParams() any { return &declaresParams{} }
func (d *declares) Manifest() framework.Manifest {
	m := framework.Manifest{Name: "declares", Category: framework.Network, Params: framework.MustParamsSpec(&declaresParams{}),
		Expectations: []framework.ExpectationType{framework.Detection}, Platforms: []string{"Linux"}}
	d.edit(&m)
	return m
}

// A manifest declaring what the platform would choke on is refused by run
// and validate with the openaev profile before anything runs or is sent,
// naming the injector, the field and the value.
func TestOpenAEVProfileRefusesBadDeclarations(t *testing.T) {
	tests := []struct {
		name string
		edit func(*framework.Manifest)
		want string
	}{
		{"expectation type twice, then unknown", func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, framework.Detection, "BOGUS"}
		}, `invalid declares.expectations "DETECTION": declared twice`},
		{"unknown expectation type", func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{"BOGUS"}
		}, `invalid declares.expectations "BOGUS": not an expectation type (want one of DETECTION, PREVENTION, VULNERABILITY)`},
		{"output field twice", func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "dup"}, {Type: "number", Field: "dup"}}
		}, `invalid declares.outputs "dup": declared twice (as text and as number)`},
		{"output named like the expectation signatures", func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "expectation_signatures"}}
		}, `invalid declares.outputs "expectation_signatures": reserved: the profile puts the expectation signatures there`},
		{"setting key twice", func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "k", Env: "EVIL_K"}, {Key: "k", Env: "EVIL_K2"}, {Key: "mode", Env: "EVIL_MODE"}}
		}, `invalid declares.settings "k": declared twice`},
		{"setting named like a param", func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "mode", Env: "EVIL_MODE"}}
		}, `invalid declares.settings "mode": also the name of a param (mode), in that spelling or another`},
		{"param twice", func(m *framework.Manifest) {
			m.Params = append(m.Params, m.Params[0])
		}, `invalid declares.params "mode": declared twice`},
		{"param without a name", func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Type: framework.ParamString})
		}, `invalid declares.params[1]: a param needs a name`},
		{"output without a field", func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text"}}
		}, `invalid declares.outputs[0]: an output needs a field`},
		{"setting without a key", func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Env: "DECLARES_X"}}
		}, `invalid declares.settings[0]: a setting needs a key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("declares", func() framework.Executor { return &declares{edit: tt.edit} })
			})
			for _, cmd := range []string{"validate", "run"} {
				r := run(t, reg, nil, cmd, "declares", "--profile", "openaev", "--target", "127.0.0.1", "--log-level", "error")
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
					t.Errorf("%s: exit %d, want 2 saying %s, nothing printed:\nstdout %s\nstderr %s", cmd, r.code, tt.want, r.stdout, r.stderr)
				}
			}
		})
	}
}
