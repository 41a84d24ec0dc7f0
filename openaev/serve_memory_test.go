package openaev_test

import (
	"runtime"
	"testing"
	"weak"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
)

// TestHandleDeliveryLetsTheDecodedMessageGo checks that a handling does
// not keep the message MessageKey decoded while its injector runs: its
// targets are taken from it before the run, and the message itself (its
// assets decoded, about the body's size again) is garbage by then. The
// daemon holds each of its --workers messages for as long as it runs; each
// decoded message kept added its size to the peak memory of a burst
// (BENCHMARKS.md, "serve memory with large injects (forty-first
// session)").
func TestHandleDeliveryLetsTheDecodedMessageGo(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	s.register(t)
	msg := nmapAssetsMessage(t, s.env, "i-1", 3)
	started, release := s.nmap.holdNextRun()
	defer release()
	var kept weak.Pointer[openaev.Message]
	done := make(chan error, 1)
	go func() {
		_, decoded := s.handler.MessageKey(msg)
		kept = weak.Make(decoded.(*openaev.Message))
		done <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: msg, Decoded: decoded})
	}()
	<-started
	runtime.GC()
	if kept.Value() != nil {
		t.Error("the decoded message is still reachable while its injector runs")
	}
	release()
	if err := <-done; settlement(err) != "ack" {
		t.Fatalf("settlement %s (%v), want ack", settlement(err), err)
	}
	if got := len(s.platform.Signatures("i-1")["DETECTION"]); got == 0 {
		t.Error("no DETECTION signature stored: the run lost its targets")
	}
}
