package runtime_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

// The progress func sees the partial results while the executor runs,
// then one last snapshot (Done) before the signatures are compiled; it is
// never called concurrently (the race detector checks the unguarded
// slice).
func TestProgressSnapshots(t *testing.T) {
	seen := make(chan runtime.Progress, 1)
	var snaps []runtime.Progress
	progress := func(p runtime.Progress) {
		snaps = append(snaps, p)
		select {
		case seen <- p:
		default:
		}
	}
	ex := &frameworktest.Executor{Run: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
		in.Partial("10.0.0.1:22/tcp open ssh")
		for p := range seen { // until a tick shows the result
			if p.Results == 1 {
				break
			}
		}
		return framework.ToolOutput{}
	}}
	rt, _ := newRuntime(t, ex, nil, runtime.WithProgress(progress, time.Millisecond))
	r, err := rt.Run(context.Background(), runtime.Request{InjectID: "p-1", Injector: "fake",
		Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.10"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) < 2 {
		t.Fatalf("want a tick and the last snapshot, got %+v", snaps)
	}
	for _, s := range snaps[:len(snaps)-1] {
		if s.Done || s.InjectID != "p-1" || s.Injector != "fake" || s.Targets != 2 {
			t.Errorf("tick = %+v", s)
		}
	}
	last := snaps[len(snaps)-1]
	want := runtime.Progress{InjectID: "p-1", Injector: "fake", Targets: 2, Reported: 1, Results: 1,
		Last: "10.0.0.1:22/tcp open ssh", Elapsed: last.Elapsed, Done: true, Status: framework.StatusSuccess}
	if last != want {
		t.Errorf("last snapshot = %+v, want %+v", last, want)
	}
	if last.Elapsed < 0 || r.Status != framework.StatusSuccess {
		t.Errorf("elapsed %v, status %s", last.Elapsed, r.Status)
	}
}

// A run cut short still gets its last snapshot, with the partial results
// reported before the deadline and the outcome the report has (timeout).
func TestProgressLastSnapshotOnTimeout(t *testing.T) {
	var last runtime.Progress
	calls := 0
	ex := &frameworktest.Executor{Run: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
		in.Partial("[2001:db8::1]:443/tcp open https")
		<-ctx.Done()
		return framework.ToolOutput{}
	}}
	rt, _ := newRuntime(t, ex, nil, runtime.WithProgress(func(p runtime.Progress) { last = p; calls++ }, time.Hour))
	r, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Timeout: runtime.Duration(time.Millisecond),
		Targets: []runtime.TargetSpec{{Value: "2001:DB8::1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !last.Done || last.Status != framework.StatusTimeout || last.Reported != 1 || last.Results != 1 || r.Status != framework.StatusTimeout {
		t.Errorf("%d calls, last %+v, status %s", calls, last, r.Status)
	}
}

// partialSecret reports a partial result holding its Secret setting's
// value, raw and base64-encoded.
type partialSecret struct{}

func (partialSecret) Manifest() framework.Manifest { return sharing{secret: true}.Manifest() }

func (partialSecret) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	in.Partial("10.0.0.1 token=TopSecretValue42 b64=" + base64.StdEncoding.EncodeToString([]byte("TopSecretValue42")))
	return framework.ToolOutput{}
}

// A progress snapshot's Last, the latest partial result, never shows a
// Secret setting's value, in any form: it is redacted as the output is.
func TestProgressLastRedacted(t *testing.T) {
	var last runtime.Progress
	rt, _ := newRuntime(t, partialSecret{}, nil, runtime.WithProgress(func(p runtime.Progress) { last = p }, time.Hour),
		runtime.WithSettings(func(string) map[string]string { return map[string]string{"token": "TopSecretValue42"} }))
	if _, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()}); err != nil {
		t.Fatal(err)
	}
	if want := "10.0.0.1 token=[REDACTED] b64=[REDACTED]"; !last.Done || last.Last != want {
		t.Errorf("last snapshot %+v, want Last %q", last, want)
	}
}
