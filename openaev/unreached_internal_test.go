package openaev

import (
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// The complete's message of a report built by hand names the targets not
// reached having matched their reasons to the targets once, not once a
// target (three allocations each time, one of them as long as the
// targets): with fewer allocations than the report has targets.
func TestUnreachedSummaryManyTargets(t *testing.T) {
	const n = 1000
	targets := make([]framework.Target, n)
	for i := range targets {
		targets[i] = framework.Target{Config: signatures.ClassifyNetworkTarget(fmt.Sprintf("10.0.%d.%d", i/256, i%256))}
	}
	r := &runtime.Report{Injector: "nmap", Status: framework.StatusPartial, Targets: targets,
		Output: framework.ToolOutput{Unreached: map[framework.Target]string{targets[7]: "not scanned", targets[300]: "timed out"}}}
	var summary string
	var labels map[string]bool
	allocs := testing.AllocsPerRun(3, func() {
		summary, labels = unreachedSummary(r), unreachedLabels(r)
	})
	if want := "; not reached: 10.0.0.7 (not scanned), 10.0.1.44 (timed out)"; summary != want {
		t.Errorf("summary %q, want %q", summary, want)
	}
	if len(labels) != 2 || !labels["10.0.0.7"] || !labels["10.0.1.44"] {
		t.Errorf("labels %v, want 10.0.0.7 and 10.0.1.44", labels)
	}
	if allocs > n {
		t.Errorf("%.0f allocations for %d targets", allocs, n)
	}
}
