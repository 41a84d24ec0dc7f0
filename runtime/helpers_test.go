package runtime_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
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
