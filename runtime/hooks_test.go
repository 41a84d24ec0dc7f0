package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

// profile is a deliverer with both hooks; it records the order of events.
type profile struct {
	recorder
	events      []string
	receiveErr  error
	rejectErr   error
	rejections  []*runtime.Rejection
	executorRan func() bool
}

func (p *profile) Received(_ context.Context, prep *runtime.Prepared) error {
	p.events = append(p.events, fmt.Sprintf("received %s ran=%v phase=%s targets=%d",
		prep.Request.InjectID, p.executorRan(), prep.Request.Phase, len(prep.Targets)))
	return p.receiveErr
}

func (p *profile) Rejected(_ context.Context, r *runtime.Rejection) error {
	p.events = append(p.events, fmt.Sprintf("rejected %s received=%v", r.Request.InjectID, r.Received))
	p.rejections = append(p.rejections, r)
	return p.rejectErr
}

func (p *profile) Deliver(ctx context.Context, r *runtime.Report) error {
	p.events = append(p.events, "deliver "+string(r.Status))
	return p.recorder.Deliver(ctx, r)
}

func TestRunHooks(t *testing.T) {
	refused := errors.New("reception refused")
	down := errors.New("platform down")
	tests := []struct {
		name      string
		req       runtime.Request
		setup     func(p *profile)
		wantEvent string
		check     func(t *testing.T, err error)
	}{
		{name: "received before the executor runs, then delivered",
			req:       runtime.Request{InjectID: "i-1", Injector: "fake", Targets: loopback()},
			wantEvent: "received i-1 ran=false phase=execution_complete targets=1 | deliver success",
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			}},
		{name: "not received: nothing runs, the error as it is",
			req:       runtime.Request{InjectID: "i-2", Injector: "fake", Targets: loopback()},
			setup:     func(p *profile) { p.receiveErr = refused },
			wantEvent: "received i-2 ran=false phase=execution_complete targets=1",
			check: func(t *testing.T, err error) {
				if err != refused {
					t.Fatalf("err = %v, want the hook's error", err)
				}
			}},
		{name: "invalid request: rejected, not received",
			req:       runtime.Request{InjectID: "i-3", Injector: "fake"},
			wantEvent: "rejected i-3 received=false",
			check: func(t *testing.T, err error) {
				var re *runtime.RequestError
				var de *runtime.DeliveryError
				if !errors.As(err, &re) || errors.As(err, &de) {
					t.Fatalf("err = %v, want the *RequestError alone", err)
				}
			}},
		{name: "rejection undelivered: a DeliveryError carrying the rejection",
			req:       runtime.Request{InjectID: "i-4", Injector: "nope", Targets: loopback()},
			setup:     func(p *profile) { p.rejectErr = down },
			wantEvent: "rejected i-4 received=false",
			check: func(t *testing.T, err error) {
				var de *runtime.DeliveryError
				var re *runtime.RequestError
				if !errors.As(err, &de) || !errors.Is(err, down) || de.Report != nil || de.Rejection == nil ||
					!errors.As(de.Rejection.Err, &re) || !strings.HasPrefix(err.Error(), "deliver rejection: ") {
					t.Fatalf("err = %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{}
			p := &profile{executorRan: func() bool { return len(ex.Calls()) > 0 }}
			if tt.setup != nil {
				tt.setup(p)
			}
			rt, _ := newRuntime(t, ex, p)
			_, err := rt.Run(context.Background(), tt.req)
			tt.check(t, err)
			if got := strings.Join(p.events, " | "); got != tt.wantEvent {
				t.Errorf("events %q, want %q", got, tt.wantEvent)
			}
		})
	}
}

func TestReject(t *testing.T) {
	p := &profile{executorRan: func() bool { return false }}
	rt, logs := newRuntime(t, &frameworktest.Executor{}, p)
	cause := errors.New("unknown contract")
	if err := rt.Reject(context.Background(), runtime.Request{InjectID: "i-9"}, cause); err != nil {
		t.Fatal(err)
	}
	if len(p.rejections) != 1 || p.rejections[0].Err != cause || p.rejections[0].Received {
		t.Errorf("rejections %+v", p.rejections)
	}
	if logs.FilterMessage("inject rejected").Len() != 1 {
		t.Error("the refusal was not logged once")
	}
	p.rejectErr = errors.New("down")
	var de *runtime.DeliveryError
	if err := rt.Reject(context.Background(), runtime.Request{InjectID: "i-9"}, cause); !errors.As(err, &de) {
		t.Errorf("undelivered rejection: %v", err)
	}
}

// timings is an Observer that records what it is told.
type timings struct {
	mu        sync.Mutex
	executed  []time.Duration
	delivered []error
}

func (o *timings) OnExecuted(_ *runtime.Report, d time.Duration, _ error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.executed = append(o.executed, d)
}

func (o *timings) OnDelivered(_ *runtime.Report, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.delivered = append(o.delivered, err)
}

func TestObserver(t *testing.T) {
	clock, _ := tickingClock()
	boom := errors.New("down")
	obs := &timings{}
	rt, _ := newRuntime(t, &frameworktest.Executor{}, &recorder{err: boom}, runtime.WithObserver(obs), runtime.WithClock(clock))
	_, _ = rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	_, _ = rt.Run(context.Background(), runtime.Request{Injector: "nope", Targets: loopback()}) // rejected: not observed
	if len(obs.executed) != 1 || obs.executed[0] != time.Second {
		t.Errorf("executed %v, want one of 1s", obs.executed)
	}
	if len(obs.delivered) != 1 || obs.delivered[0] != boom {
		t.Errorf("delivered %v, want the delivery error once", obs.delivered)
	}
}
