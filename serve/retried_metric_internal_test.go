package serve

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
)

// settles takes every acknowledgement, rejection and requeue.
type settles struct{}

func (settles) Ack(uint64, bool) error        { return nil }
func (settles) Nack(uint64, bool, bool) error { return nil }
func (settles) Reject(uint64, bool) error     { return nil }

// retriedCount returns injectkit_handling_retries_total gathered from
// reg, and whether it is exported.
func retriedCount(t *testing.T, reg *prometheus.Registry) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "injectkit_handling_retries_total" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// A message whose handling keeps failing for a reason that may pass is
// kept by its worker and handled again, its inject never run: found from
// outside with serve's outbox locked by flock past --outbox-lock-timeout
// (which now pauses the consumption instead: openaev's
// TestIntegrationServePausesOnLockedOutbox), every message failing for as
// long while /healthz said ok and nothing in /metrics counted a failure
// (injects_in_flight alone stayed up, as it does for a long inject); a
// platform unreachable for its inject still fails so. Each such failure
// is counted, from 0 at the start; a message acknowledged or rejected for
// good is not.
func TestHandlingRetriesCounted(t *testing.T) {
	unreachable := errors.New("inject i-1: reception: Post \"https://aev.example.com/api/injects/execution/reception/i-1\": " +
		"dial tcp 192.0.2.10:443: connect: connection refused")
	for _, tc := range []struct {
		name string
		errs []error // each handling's outcome, in turn
		want float64
	}{
		{"handled", []error{nil}, 0},
		{"rejected for good", []error{Permanent(errors.New("invalid message: injection.inject_id is missing"))}, 0},
		{"platform unreachable, then handled", []error{unreachable, unreachable, unreachable, nil}, 3},
		{"platform answering 503 to the reception", []error{errors.New("reception: status 503")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reg := prometheus.NewRegistry()
				r := newRunner(&Daemon{Registrar: okRegistrar{}, RequeueDelay: time.Second, Metrics: NewMetrics(reg)})
				if got, ok := retriedCount(t, reg); !ok || got != 0 {
					t.Fatalf("injectkit_handling_retries_total %v (exported: %v), want 0 from the start", got, ok)
				}
				for _, err := range tc.errs {
					r.finish(&job{dl: amqp.Delivery{Acknowledger: settles{}, Body: []byte("a")}}, err)
				}
				if got, _ := retriedCount(t, reg); got != tc.want {
					t.Errorf("injectkit_handling_retries_total %v after %v, want %v", got, tc.errs, tc.want)
				}
			})
		})
	}
}
