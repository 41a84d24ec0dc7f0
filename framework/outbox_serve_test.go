package framework_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The wiring a daemon uses: one held outbox, an OutboxDeliverer that wakes
// a Resender running beside it, and a DeliveryTrace that acknowledges the
// queue message once the bodies are durable. The backend is down at first:
// the message is acknowledged anyway, the delivery fails, and the Resender
// delivers once the backend is back.
func TestOutboxDaemonWiring(t *testing.T) {
	var up atomic.Bool
	be := newCallbackSink(t, func(int64) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	})
	ob := openOutbox(t, outbox.Options{})
	c := client(t, be.URL)
	wake := make(chan struct{}, 1)
	d := framework.OutboxDeliverer{Client: c, Outbox: ob, MaxBackoff: 20 * time.Millisecond, Failed: wake}
	rt, _ := newRuntime(t, &frameworktest.Executor{}, d)
	rs := &outbox.Resender{Store: ob, MaxBackoff: 20 * time.Millisecond, Wake: wake,
		Client: func(string) (outbox.Poster, error) { return c, nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rs.Run(ctx) }()

	var acked atomic.Int32
	trace := &framework.DeliveryTrace{Stored: func(r *framework.Report, n int) {
		if st, _ := ob.Stats(); st.Pending == n { // durable before the ack
			acked.Add(1)
		}
	}}
	_, err := rt.Run(framework.WithDeliveryTrace(ctx, trace), framework.Request{InjectID: "q-1", Injector: "fake",
		Targets: []framework.TargetSpec{{Value: "127.0.0.1"}}})
	var de *framework.DeliveryError
	if !errors.As(err, &de) || de.Stored != 1 {
		t.Fatalf("error = %v", err)
	}
	if acked.Load() != 1 {
		t.Fatalf("acknowledged %d times", acked.Load())
	}
	up.Store(true)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st, _ := ob.Stats(); st.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the resender did not deliver")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.accepted) != 1 {
		t.Errorf("%d keys accepted", len(be.accepted))
	}
	for k, n := range be.accepted {
		if n != 1 {
			t.Errorf("%s accepted %d times", k, n)
		}
	}
}
