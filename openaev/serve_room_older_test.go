package openaev_test

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// TestHandlerOutboxAnEarlierVersionSendsFrom checks an inject whose
// outbox, still marked injectkit-outbox/1, a live process of an earlier
// version sends bodies from: its result could not be stored, so it is not
// run; the message waits as for a full outbox (a pause whose reason, read
// anew, names that process), and runs once, after that process ended.
func TestHandlerOutboxAnEarlierVersionSendsFrom(t *testing.T) {
	older := exec.Command("sleep", "60") // the earlier version's process
	if err := older.Start(); err != nil {
		t.Fatal(err)
	}
	ended := false
	defer func() {
		if !ended {
			_ = older.Process.Kill()
			_ = older.Wait()
		}
	}()
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	s.keepCallback(t)
	outboxtest.SentByOlderVersion(t, s.store.Path(), older.Process.Pid)
	body := s.message(t, "i-older", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)

	err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	var pe *serve.PauseError
	want := "pid " + strconv.Itoa(older.Process.Pid) + ", a process of an earlier injectkit, is sending bodies from it"
	if !errors.As(err, &pe) || pe.Current == nil || !strings.Contains(pe.Reason, want) || !strings.Contains(pe.Current(), want) {
		t.Fatalf("handled while an earlier version sends from the outbox: %v, want a pause whose reason says %q", err, want)
	}
	// The reason /healthz shows is for a probe, not the advice the CLI
	// gives the person who ran a command.
	for _, reason := range []string{pe.Reason, pe.Current()} {
		if strings.Contains(reason, "run this once") || strings.Contains(reason, "give it another outbox") {
			t.Errorf("pause reason %q gives the CLI's advice", reason)
		}
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Fatalf("the inject ran %d times, its result not storable", n)
	}

	_ = older.Process.Kill()
	_ = older.Wait()
	ended = true
	if now := pe.Current(); strings.Contains(now, want) {
		t.Errorf("once that process ended: reason now %q, want it no longer named", now)
	}
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled again once that process ended: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
}

// An earlier version's process that starts sending from the outbox while
// the inject runs (after the check before the run) leaves the result
// refused by the store: serve sends it without storing it and
// acknowledges the message, instead of running the inject again.
func TestHandlerOutboxClaimedByAnEarlierVersionDuringTheRun(t *testing.T) {
	older := exec.Command("sleep", "60") // the earlier version's process
	if err := older.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = older.Process.Kill(); _ = older.Wait() }()
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	s.keepCallback(t)
	s.nmap.during = func() { outboxtest.SentByOlderVersion(t, s.store.Path(), older.Process.Pid) }
	body := s.message(t, "i-meanwhile", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)

	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled while an earlier version began sending during the run: %v, want acknowledged, the result sent unstored", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
	if st := s.platform.InjectStatus("i-meanwhile"); st != "SUCCESS" && st != "EXECUTED" {
		t.Errorf("inject status %q on the platform, want SUCCESS (EXECUTED): its result was not sent", st)
	}
}
