package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// paramsOnly is a network injector declaring string params of the given
// names, which does nothing.
type paramsOnly struct{ names []string }

func (p paramsOnly) Manifest() framework.Manifest {
	m := framework.Manifest{Name: "params", Category: framework.Network, Description: "declares params",
		Expectations: []framework.ExpectationType{framework.Detection}}
	for _, n := range p.names {
		m.Params = append(m.Params, framework.Param{Name: n, Type: framework.ParamString, Doc: "a param"})
	}
	return m
}

func (paramsOnly) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// TestTargetPortHintNamesAPortsParam: the hint names a param whose name
// has the word port or ports (ports, target_ports, port-range), never
// one that only holds the letters (report_format, transport, export):
// an injector declaring none of the first takes no ports. It named
// report_format as where the ports go.
func TestTargetPortHintNamesAPortsParam(t *testing.T) {
	for _, tt := range []struct {
		params []string
		want   string
	}{
		{[]string{"report_format"}, "injector params takes no ports"},
		{[]string{"transport", "export", "sport"}, "injector params takes no ports"},
		{[]string{"report_format", "target_ports"}, "injector params takes the ports in its target_ports param (--param target_ports=…)"},
		{[]string{"port-range"}, "injector params takes the ports in its port-range param (--param port-range=…)"},
		{[]string{"Port"}, "injector params takes the ports in its Port param (--param Port=…)"},
	} {
		t.Run(strings.Join(tt.params, ","), func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("params", func() framework.Executor { return paramsOnly{tt.params} })
			})
			r := run(t, reg, nil, "run", "--outbox", "none", "params", "--target", "web.example:8080")
			want := `invalid --target "web.example:8080": a target holds no port; ` + tt.want
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
			}
		})
	}
}

// A target written with a port (web.example:8080) is refused naming the
// injector that was asked for: nmap, which takes its ports in a param,
// says which; noop, which takes none, is not told of nmap's.
func TestTargetPortHintNamesTheInjector(t *testing.T) {
	for _, tt := range []struct {
		injector, want, never string
	}{
		{"nmap", `invalid --target "web.example:8080": a target holds no port; injector nmap takes the ports in its ports param (--param ports=…)`, ""},
		{"noop", `invalid --target "web.example:8080": a target holds no port; injector noop takes no ports`, "nmap"},
	} {
		t.Run(tt.injector, func(t *testing.T) {
			r := run(t, registry(withNmapScanner), nil, "run", "--outbox", "none", tt.injector, "--target", "web.example:8080")
			switch {
			case r.code != 2:
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			case !strings.Contains(r.stderr, tt.want):
				t.Errorf("stderr lacks %q:\n%s", tt.want, r.stderr)
			case tt.never != "" && strings.Contains(r.stderr, tt.never):
				t.Errorf("stderr names %q:\n%s", tt.never, r.stderr)
			}
		})
	}
}
