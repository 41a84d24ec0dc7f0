package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

// declaring is an executor whose manifest declares the expectation types
// types.
type declaring struct {
	frameworktest.Executor
	types []framework.ExpectationType
}

func (d *declaring) Manifest() framework.Manifest {
	return framework.Manifest{Name: "fake", Description: "declares its types", Expectations: d.types}
}

// An expectation type the injector's manifest does not declare is refused
// before anything runs, naming the entry and the types declared (the
// default DETECTION too); a manifest declaring none takes any.
func TestRunRefusesUndeclaredExpectationTypes(t *testing.T) {
	dp := []framework.ExpectationType{framework.Detection, framework.Prevention}
	cases := []struct {
		name     string
		declared []framework.ExpectationType
		types    []string
		field    string // "": accepted
		want     string
	}{
		{"declared", dp, []string{"DETECTION", "prevention"}, "", ""},
		{"default declared", dp, nil, "", ""},
		{"none declared", nil, []string{"VULNERABILITY"}, "", ""},
		{"undeclared", dp, []string{"DETECTION", "vulnerability"}, "expectation_types[1]",
			`"vulnerability": VULNERABILITY is not an expectation type injector fake declares: it declares DETECTION, PREVENTION`},
		{"default undeclared", []framework.ExpectationType{framework.Vulnerability}, nil, "expectation_types",
			`"DETECTION": DETECTION (the default) is not an expectation type injector fake declares: it declares VULNERABILITY`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := &declaring{types: tc.declared}
			rec := &recorder{}
			rt, logs := newRuntime(t, ex, rec)
			req := runtime.Request{InjectID: "i", Injector: "fake", ExpectationTypes: tc.types, Targets: loopback()}
			_, err := rt.Run(context.Background(), req)
			if tc.field == "" {
				if err != nil || len(ex.Calls()) != 1 {
					t.Errorf("refused (%v) or not run (%d calls)", err, len(ex.Calls()))
				}
				return
			}
			frameworktest.WantInvalid(t, err, tc.field)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if len(ex.Calls()) != 0 || len(rec.delivered()) != 0 || logs.FilterMessage("inject rejected").Len() != 1 {
				t.Error("a refused inject ran or was delivered, or was not logged rejected once")
			}
		})
	}
}
