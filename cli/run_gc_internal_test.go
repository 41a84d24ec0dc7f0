package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// gcProbe is an executor that records the garbage collection target in
// force while it executes.
type gcProbe struct{ seen *int }

func (p gcProbe) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	*p.seen = gcPercent()
	return framework.ToolOutput{Status: framework.StatusSuccess}
}

// TestRunCollectsLessUnlessGOGCIsSet checks that run holds the heap floor
// serve holds while the inject runs (a short run's small heap is not
// collected every 4 MB), unless GOGC is set, and puts the target from
// before back when it returns.
func TestRunCollectsLessUnlessGOGCIsSet(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set in the test's environment: the operator's choice stands")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var seen int
	r := framework.NewRegistry()
	r.Register("gcprobe", func() framework.Executor { return gcProbe{&seen} })
	dir := t.TempDir()
	env := map[string]string{"CONTAINER_IP": "172.17.0.2", "INJECTKIT_OUTBOX": filepath.Join(dir, "outbox.db")}
	o := Options{Registry: r, Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return env[k] }}
	if code := Run(context.Background(), o, []string{"injectkit", "run", "gcprobe", "--target", "127.0.0.1"}); code != 0 {
		t.Fatalf("run: exit %d", code)
	}
	if seen <= 100 {
		t.Errorf("while the inject ran: GC target %d, want the floor's, above the default 100", seen)
	}
	if got := gcPercent(); got != 100 {
		t.Errorf("after the run: GC target %d, want the one before, 100", got)
	}
}
