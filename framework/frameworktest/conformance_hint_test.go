package frameworktest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// TestConformanceSaysWhereOptionsGo checks that the line of a live inject
// that failed names ConformanceWith, where Options are given: a newcomer
// who called Conformance, which takes none, was told to give Options
// (tester t190).
func TestConformanceSaysWhereOptionsGo(t *testing.T) {
	ex := frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "connection refused"}}
	}}
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		frameworktest.Conformance(r, &ex)
	}()
	<-done
	const want = `give Options.Targets, Params and Settings it can run with (ConformanceWith: Conformance takes targets alone)`
	if !slices.ContainsFunc(r.logged(), func(l string) bool { return strings.Contains(l, want) }) {
		t.Errorf("Conformance logged %q; want a line saying %s", r.logged(), want)
	}
}
