//go:build linux

package cloudscan

import (
	"context"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestCutShortBeforeTheIdentity: the deadline or an interrupt comes while
// the profile's credential_process still runs, before the credentials'
// account is proved. The run is a timeout (the cloudscan README: a
// cancelled context gives timeout), not failed for want of a target
// reached, and the reason its target was not reached names the deadline or
// the interrupt, not the credentials (docs/wire-format.md, "Targets not
// reached").
func TestCutShortBeforeTheIdentity(t *testing.T) {
	for _, tt := range []struct {
		name string
		// cut returns the context of the run and what cuts it short.
		cut  func() (context.Context, func())
		want string
	}{
		{"deadline", func() (context.Context, func()) { c := testkit.NewDeadline(); return c, c.Expire },
			"no check run: the deadline came before the credentials' account was proved"},
		{"interrupt", func() (context.Context, func()) { return context.WithCancel(context.Background()) },
			"no check run: the run was interrupted before the credentials' account was proved"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, p, f := hangingHelper(t, "30s")
			ctx, cut := tt.cut()
			defer cut()
			in := newInject(t, []signatures.CloudConfig{euWest1}, p)
			done := make(chan framework.ToolOutput, 1)
			go func() { done <- e.Execute(ctx, in) }()
			wait, stop := context.WithTimeout(t.Context(), helperBound)
			defer stop()
			pids, err := helperPids(wait, f, done)
			if err != nil {
				t.Fatal(err)
			}
			cut()
			out := <-done
			for _, pid := range pids {
				if !endsWithin(pid, 10*time.Second) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			if out.ExecutionStatus() != framework.StatusTimeout {
				t.Errorf("status %s (%+v), want timeout", out.ExecutionStatus(), out.ErrorInfo)
			}
			if got := out.TargetStatus[in.Targets[0]]; got != framework.StatusTimeout {
				t.Errorf("TargetStatus = %q, want timeout: a target cut short timed out", got)
			}
			if want := map[framework.Target]string{in.Targets[0]: tt.want}; !reflect.DeepEqual(out.Unreached, want) {
				t.Errorf("Unreached = %v, want %v", out.Unreached, want)
			}
			// What the runtime makes of it: still a timeout, the target
			// holding that status and why alone.
			pl, err := runtime.PayloadOf(signatures.NewManager(), in, out)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			for _, v := range pl.Targets[0].SignatureValues[0].Values {
				got[v.SignatureType] = v.SignatureValue
			}
			if w := map[string]any{"execution_status": "timeout", "not_reached": tt.want}; !reflect.DeepEqual(got, w) {
				t.Errorf("signature %v, want %v", got, w)
			}
		})
	}
}
