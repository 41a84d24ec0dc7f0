package runtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// recorder is a Deliverer that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	reports []*runtime.Report
	err     error
}

func (r *recorder) Deliver(_ context.Context, rep *runtime.Report) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, rep)
	return r.err
}

func (r *recorder) delivered() []*runtime.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*runtime.Report(nil), r.reports...)
}

var testClock = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// tickingClock is a clock from testClock that advances 1 s per reading, so
// that every duration is positive, and a way to move it on by d at once.
func tickingClock() (now func() time.Time, skip func(d time.Duration)) {
	var mu sync.Mutex
	at := testClock
	now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		at = at.Add(time.Second)
		return at
	}
	skip = func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		at = at.Add(d)
	}
	return now, skip
}

func pinnedManager() *signatures.Manager {
	return signatures.NewManager(
		signatures.WithResolver(signatures.Resolver{Getenv: func(k string) string {
			if k == "CONTAINER_IP" {
				return "172.17.0.2"
			}
			return ""
		}}),
		signatures.WithClock(func() time.Time { return testClock }),
	)
}

// newRuntime returns a runtime running ex as "fake", delivering to d (nil:
// nowhere), with its observed logs.
func newRuntime(t *testing.T, ex framework.Executor, d runtime.Deliverer, opts ...runtime.Option) (*runtime.Runtime, *observer.ObservedLogs) {
	t.Helper()
	log, logs := testkit.Logger()
	reg := framework.NewRegistry()
	if ex != nil {
		reg.Register("fake", func() framework.Executor { return ex })
	}
	opts = append([]runtime.Option{runtime.WithLogger(log), runtime.WithSignatures(pinnedManager()),
		runtime.WithGrace(50 * time.Millisecond)}, opts...)
	if d != nil {
		opts = append(opts, runtime.WithDeliverer(d))
	}
	return runtime.New(reg, opts...), logs
}

func payload(t *testing.T, r *runtime.Report) signatures.Payload {
	t.Helper()
	p, err := r.Payload()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func values(t *testing.T, r *runtime.Report, target int) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, v := range payload(t, r).Targets[target].SignatureValues[0].Values {
		out[v.SignatureType] = v.SignatureValue
	}
	return out
}

func loopback() []runtime.TargetSpec { return []runtime.TargetSpec{{Value: "10.0.0.1"}} }

// rejected runs req on a runtime over ex and checks that it was refused
// before running: a *runtime.RequestError, nothing executed or
// delivered, one "inject rejected" line. It returns the error.
func rejected(t *testing.T, ex *frameworktest.Executor, req runtime.Request) error {
	t.Helper()
	rec := &recorder{}
	rt, logs := newRuntime(t, ex, rec)
	_, err := rt.Run(context.Background(), req)
	var re *runtime.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RequestError", err)
	}
	if len(ex.Calls()) != 0 || len(rec.delivered()) != 0 {
		t.Error("an invalid request reached the executor or the deliverer")
	}
	if n := logs.FilterMessage("inject rejected").Len(); n != 1 {
		t.Errorf("%d \"inject rejected\" lines, want one", n)
	}
	return err
}
