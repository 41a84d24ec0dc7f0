package serve

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// outcomes is a DeliveryHandler that ends each handling with the next of
// its errors (nil once they are spent) and keeps the Deliveries it was
// handed.
type outcomes struct {
	errs []error
	got  []Delivery
}

func (o *outcomes) Handle(ctx context.Context, body []byte) error {
	return o.HandleDelivery(ctx, Delivery{Body: body})
}

func (o *outcomes) HandleDelivery(_ context.Context, d Delivery) error {
	d.Lost, d.Gone = nil, nil
	o.got = append(o.got, d)
	if len(o.got) > len(o.errs) {
		return nil
	}
	return o.errs[len(o.got)-1]
}

// gauge returns the value of the gauge name gathered from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s not exported", name)
	return 0
}

// A message a pause kept (its outbox full: nothing of it ran) was handed
// again as one whose handling failed: Retries counted the pause, and the
// Handler logged "message handled again after its handling failed" when
// nothing had. The handlings a pause ended are counted apart (Pauses),
// injectkit_handling_retries_total counts only the failures, and each
// pause is said once when it begins and once when it ends, with how long
// it lasted, whatever the handlings meanwhile.
func TestPausesAreNoFailures(t *testing.T) {
	full := "outbox full: 3000 of 3000 bytes stored, 0 reserved for 0 results in flight; the next needs 4096"
	pause := &PauseError{Err: errors.New("inject i-1 not run: " + full), Reason: full,
		Wait: func(context.Context) error { time.Sleep(time.Minute); return nil }} // the room freed a minute later
	failed := errors.New("inject i-1: reception: status 503")
	tests := []struct {
		name        string
		errs        []error
		wantLast    Delivery // the last handling's flags and counts
		wantRetries float64  // injectkit_handling_retries_total
		wantPauses  int      // pauses said begun, and said ended
	}{
		{"handled", nil, Delivery{}, 0, 0},
		{"paused, then handled", []error{pause}, Delivery{Redelivered: true, Pauses: 1}, 0, 1},
		{"failed, then handled", []error{failed}, Delivery{Redelivered: true, Retries: 1}, 1, 0},
		{"paused twice, then handled", []error{pause, pause}, Delivery{Redelivered: true, Pauses: 2}, 0, 2},
		{"paused, failed, then handled", []error{pause, failed}, Delivery{Redelivered: true, Retries: 1, Pauses: 1}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				core, logs := observer.New(zapcore.InfoLevel)
				reg := prometheus.NewRegistry()
				h := &outcomes{errs: tt.errs}
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: h, RequeueDelay: time.Second,
					Metrics: NewMetrics(reg), Log: zap.New(core)})
				r.ctx, r.base = t.Context(), t.Context()
				s := &session{ch: &amqp.Channel{}}
				r.slots <- struct{}{}
				r.start(s, amqp.Delivery{Acknowledger: &acks{}, Body: []byte("a")})
				s.wg.Wait() // handled, and acknowledged
				close(r.stopping)
				synctest.Wait() // the idle worker and the pauses' ends ended
				if len(h.got) != len(tt.errs)+1 {
					t.Fatalf("%d handlings, want %d", len(h.got), len(tt.errs)+1)
				}
				last := h.got[len(h.got)-1]
				if last.Redelivered != tt.wantLast.Redelivered || last.Retries != tt.wantLast.Retries || last.Pauses != tt.wantLast.Pauses ||
					last.Returned || last.Decoded != nil {
					t.Errorf("last handling %+v, want %+v", last, tt.wantLast)
				}
				if got, _ := retriedCount(t, reg); got != tt.wantRetries {
					t.Errorf("injectkit_handling_retries_total %v, want %v", got, tt.wantRetries)
				}
				if got := gauge(t, reg, "injectkit_consumption_paused"); got != 0 {
					t.Errorf("injectkit_consumption_paused %v once handled, want 0", got)
				}
				began := logs.FilterMessageSnippet("consumption paused: " + full).All()
				ended := logs.FilterMessageSnippet("consumption resumed").All()
				if len(began) != tt.wantPauses || len(ended) != tt.wantPauses {
					t.Errorf("%d pauses said begun, %d ended, want %d of each; logged %v", len(began), len(ended), tt.wantPauses, logs.All())
				}
				for _, e := range ended {
					if e.ContextMap()["reason"] != full || e.ContextMap()["paused_for"] != time.Minute ||
						!strings.HasPrefix(e.Message, "consumption resumed after 1m0s paused") {
						t.Errorf("end of a pause: %q %v, want its length (1m) and the reason it began with", e.Message, e.ContextMap())
					}
				}
				if n := logs.FilterMessageSnippet("handling failed").Len(); n != int(tt.wantRetries) {
					t.Errorf("%d lines say a handling failed, want %v", n, tt.wantRetries)
				}
			})
		})
	}
}
