package runtime_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

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
