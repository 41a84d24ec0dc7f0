package openaev_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
)

// TestSecondCopyOfAPanickedHandlingIsNotSettled: a copy of a message
// waiting for the handling in flight of its inject took that handling's
// outcome, and a handling that panicked ended with none (nil), so the
// copy was settled (acked) though nothing was delivered while the first
// went back to the daemon's recover as a failure. The copy now gets an
// error naming the panic, and is handled again as a failure too.
func TestSecondCopyOfAPanickedHandlingIsNotSettled(t *testing.T) {
	var armed atomic.Bool
	now := func() time.Time {
		if armed.Load() && calledFrom("outbox.(*Store).putGroup") {
			panic("disk gone")
		}
		return time.Now()
	}
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, now: now})
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	started, release := s.nmap.holdNextRun()
	var raised atomic.Value
	first := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				raised.Store(fmt.Sprint(v))
				first <- nil
			}
		}()
		first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	}()
	<-started
	second := s.waitingCopy(t, s.handler, serve.Delivery{Body: body})
	armed.Store(true)
	release()
	<-first
	if raised.Load() == nil {
		t.Fatal("the first copy's handling did not panic: the test's panic is not on its path")
	}
	err := <-second
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("second copy: %v, want an error naming the first handling's panic (not settled)", err)
	}
}

// TestRedeliveryOfAPanickedProcessIsNotSettled is the same through
// Processor.Process, whose run owns the flight a redelivery waits for:
// the run's clock panicking as it ends the run.
func TestRedeliveryOfAPanickedProcessIsNotSettled(t *testing.T) {
	e := newEnv(t)
	var armed atomic.Bool
	e.build(testManifests(), runtime.WithClock(func() time.Time {
		if armed.Load() {
			panic("clock broken")
		}
		return testClock
	}))
	e.register(t)
	body := e.message(t, "i-twin", "nmap", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
	started, release := e.nmap.holdNextRun()
	var raised atomic.Value
	first := make(chan struct{})
	go func() {
		defer close(first)
		defer func() { raised.Store(fmt.Sprint(recover())) }()
		_ = e.proc.Process(context.Background(), body)
	}()
	<-started
	h := openaev.NewHandler(openaev.HandlerConfig{Processor: e.proc, Log: e.log})
	second := e.waitingCopy(t, h, serve.Delivery{Body: body, Redelivered: true})
	armed.Store(true)
	release()
	<-first
	if raised.Load() != "clock broken" {
		t.Fatalf("the first run raised %v, want the clock's panic", raised.Load())
	}
	if err := <-second; err == nil || !strings.Contains(err.Error(), "clock broken") {
		t.Errorf("redelivery: %v, want an error naming the run's panic (not settled)", err)
	}
}
