package runtime_test

import (
	"context"
	"strings"
	"sync/atomic"
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
// before anything runs, naming the entry and the types declared; a
// manifest declaring none takes any. A request naming no type gets
// DETECTION when the injector declares it (or declares none), else the
// types it declares: never a type it does not.
func TestRunRefusesUndeclaredExpectationTypes(t *testing.T) {
	dp := []framework.ExpectationType{framework.Detection, framework.Prevention}
	p := []framework.ExpectationType{framework.Prevention}
	pv := []framework.ExpectationType{framework.Prevention, framework.Vulnerability}
	cases := []struct {
		name     string
		declared []framework.ExpectationType
		types    []string
		field    string // "": accepted
		want     string // accepted: the types the executor is given
	}{
		{"declared", dp, []string{"DETECTION", "prevention"}, "", "DETECTION,PREVENTION"},
		{"default declared", dp, nil, "", "DETECTION"},
		{"none declared", nil, []string{"VULNERABILITY"}, "", "VULNERABILITY"},
		{"none declared, default", nil, nil, "", "DETECTION"},
		{"default of PREVENTION only", p, nil, "", "PREVENTION"},
		{"default without DETECTION", pv, nil, "", "PREVENTION,VULNERABILITY"},
		{"undeclared", dp, []string{"DETECTION", "vulnerability"}, "expectation_types[1]",
			`"vulnerability": VULNERABILITY is not an expectation type injector fake declares: it declares DETECTION, PREVENTION`},
		{"DETECTION undeclared", p, []string{"DETECTION"}, "expectation_types[0]",
			`"DETECTION": DETECTION is not an expectation type injector fake declares: it declares PREVENTION`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := &declaring{types: tc.declared}
			rec := &recorder{}
			rt, logs := newRuntime(t, ex, rec)
			req := runtime.Request{InjectID: "i", Injector: "fake", ExpectationTypes: tc.types, Targets: loopback()}
			_, err := rt.Run(context.Background(), req)
			if tc.field == "" {
				calls := ex.Calls()
				if err != nil || len(calls) != 1 {
					t.Fatalf("refused (%v) or not run (%d calls)", err, len(calls))
				}
				var got []string
				for _, et := range calls[0].ExpectationTypes {
					got = append(got, string(et))
				}
				if strings.Join(got, ",") != tc.want {
					t.Errorf("executor given %v, want %s", got, tc.want)
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

// countedParams is the params struct of countingManifester.
type countedParams struct {
	Ports string `json:"ports"`
}

// countingManifester counts its Manifest calls; the first `panics` of
// them panic.
type countingManifester struct {
	frameworktest.Executor
	calls  atomic.Int32
	panics int32
}

func (c *countingManifester) Manifest() framework.Manifest {
	if c.calls.Add(1) <= c.panics {
		panic("manifest not ready")
	}
	return framework.Manifest{Name: "fake", Description: "counted"}
}

func (c *countingManifester) NewParams() any { return &countedParams{} }

// The runtime derives an injector's manifest (its params struct's tags
// parsed) once, not for every inject; a panic of Manifest is not kept.
func TestRunDerivesTheManifestOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		panics    int32
		runs      int
		wantCalls int32
		wantFails int
	}{
		{name: "three injects", runs: 3, wantCalls: 1},
		{name: "a panic is derived again", panics: 1, runs: 3, wantCalls: 2, wantFails: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &countingManifester{panics: tc.panics}
			rec := &recorder{}
			rt, _ := newRuntime(t, ex, rec)
			fails := 0
			for range tc.runs {
				rep, err := rt.Run(context.Background(), runtime.Request{InjectID: "i", Injector: "fake", Targets: loopback()})
				if err != nil {
					fails++
					continue
				}
				if rep.Manifest == nil || rep.Manifest.Description != "counted" || len(rep.Manifest.Params) != 1 || rep.Manifest.Params[0].Name != "ports" {
					t.Errorf("manifest = %+v", rep.Manifest)
				}
			}
			if got := ex.calls.Load(); got != tc.wantCalls {
				t.Errorf("Manifest called %d times, want %d", got, tc.wantCalls)
			}
			if fails != tc.wantFails {
				t.Errorf("%d runs failed, want %d", fails, tc.wantFails)
			}
		})
	}
}
