package runtime

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// spoiler is a Deliverer whose Received hook spoils the prepared inject's
// expectation types (a state prepare never leaves: it refuses unknown
// ones), so that its payload cannot be built once the executor has run:
// the stand-in for any report the runtime fails to build, as no output
// of an executor's makes one fail (compile turns a malformed one into a
// failed outcome).
type spoiler struct {
	delivered, rejected int
	rejection           *Rejection
}

func (s *spoiler) Received(_ context.Context, p *Prepared) error {
	p.types = []framework.ExpectationType{"BOGUS"}
	return nil
}

func (s *spoiler) Deliver(context.Context, *Report) error { s.delivered++; return nil }

func (s *spoiler) Rejected(_ context.Context, r *Rejection) error {
	s.rejected++
	s.rejection = r
	return nil
}

// observed records every OnExecuted call.
type observed struct {
	reports   []*Report
	errs      []error
	durations []time.Duration
	delivered int
}

func (o *observed) OnExecuted(r *Report, d time.Duration, err error) {
	o.reports, o.errs, o.durations = append(o.reports, r), append(o.errs, err), append(o.durations, d)
}

func (o *observed) OnDelivered(*Report, time.Duration, error) { o.delivered++ }

// A run whose report fails to build reaches the observer once, its error
// and a report naming the inject with it; it is refused, not delivered.
func TestUnbuiltReportObservedOnce(t *testing.T) {
	ex := &frameworktest.Executor{Output: framework.ToolOutput{Status: framework.StatusSuccess}}
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return ex })
	d, obs := &spoiler{}, &observed{}
	rt := New(reg, WithDeliverer(d), WithObserver(obs), WithSignatures(signatures.NewManager(
		signatures.WithResolver(signatures.Resolver{Getenv: func(k string) string {
			if k == "CONTAINER_IP" {
				return "172.17.0.2"
			}
			return ""
		}}))))
	r, err := rt.Run(context.Background(), Request{InjectID: "i-1", Injector: "fake", Targets: []TargetSpec{{Value: "10.0.0.1"}}})
	if r != nil || err == nil {
		t.Fatalf("Run = %v, %v; want no report and an error", r, err)
	}
	if len(ex.Calls()) != 1 {
		t.Fatalf("executor called %d times, want once", len(ex.Calls()))
	}
	if len(obs.reports) != 1 {
		t.Fatalf("OnExecuted called %d times, want once", len(obs.reports))
	}
	got := obs.reports[0]
	if got == nil || got.InjectID != "i-1" || got.Injector != "fake" || got.Status != framework.StatusFailed || len(got.Targets) != 1 {
		t.Errorf("observed report %+v, want inject i-1 of fake, failed, its one target", got)
	}
	var ve *signatures.ValidationError
	if !errors.As(obs.errs[0], &ve) || !errors.As(err, &ve) {
		t.Errorf("observed error %v, Run's %v; want the payload's *signatures.ValidationError", obs.errs[0], err)
	}
	if d.delivered != 0 || obs.delivered != 0 || d.rejected != 1 || !d.rejection.Received {
		t.Errorf("delivered %d (observed %d), rejected %d (%+v); want refused once after its reception", d.delivered, obs.delivered, d.rejected, d.rejection)
	}
}
