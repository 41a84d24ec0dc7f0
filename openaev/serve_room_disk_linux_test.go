//go:build linux

package openaev_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// maxOnFullDisk bounds the injects TestHandlerPausesOnFullDisk runs
// before one pauses: each result is stored in the outbox's free pages
// until its file must grow, the first or second.
const maxOnFullDisk = 8

// TestHandlerPausesOnFullDisk is helper h227's finding: with the outbox's
// file system full (its writes failing "no space left on device"), new
// injects still ran, their results held in memory, the room check
// reading --outbox-max-bytes alone, and /healthz said ok throughout.
// Once a write of the outbox fails so, the next inject is not run: a
// serve.PauseError whose reason, the one /healthz gives, names the outbox
// and the error, until the file system has room again; then it runs, and
// every inject that ran has its terminal callback on the platform.
func TestHandlerPausesOnFullDisk(t *testing.T) {
	dir := testkit.SmallDisk(t, "256k")
	gate := newCallbackGate()
	defer gate.open() // a failed test leaves no POST held
	s := newServeEnv(t, serveOpts{outbox: true, outboxDir: dir, httpClient: &http.Client{Transport: gate}})
	testkit.FillDisk(t, dir)
	type handled struct {
		id  string
		err error
	}
	results := make(chan handled, maxOnFullDisk+1)
	handle := func(id string) {
		body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
		results <- handled{id, s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})}
	}
	var ran []string // the injects run, their results held or settled
	var pe *serve.PauseError
	var paused string
	waiting := 0 // handlings whose outcome is not read yet
	for i := 0; pe == nil; i++ {
		if i == maxOnFullDisk {
			t.Fatalf("%d injects ran with the outbox's file system full, none paused", i)
		}
		id := fmt.Sprintf("i-%d", i)
		go handle(id)
		waiting++
		// What an earlier inject does meanwhile (its result stored, its
		// "complete" posted and held once its message was acknowledged)
		// says nothing of this one.
		for decided := false; !decided; {
			select {
			case held := <-gate.held: // run: a "complete" held, its result kept somewhere
				if decided = held == id; decided {
					ran = append(ran, id)
				}
			case r := <-results:
				waiting--
				var rpe *serve.PauseError
				stopped := errors.As(r.err, &rpe)
				if r.err != nil && (!stopped || r.id != id) {
					t.Fatalf("%s on a full disk: %v, want it run or paused", r.id, r.err)
				}
				if decided = r.id == id; !decided {
					continue // an earlier inject, run and counted, settled
				}
				if stopped {
					pe, paused = rpe, id
				} else {
					ran = append(ran, id)
				}
			}
		}
	}
	for _, want := range []string{"outbox not writable: ", s.store.Path(), "no space left on device"} {
		if !strings.Contains(pe.Reason, want) {
			t.Errorf("pause reason %q, want it to name %q", pe.Reason, want)
		}
	}
	if now := pe.Current(); now != pe.Reason {
		t.Errorf("while the disk is full /healthz would say %q, want %q", now, pe.Reason)
	}
	if c := s.platform.Calls(paused); len(c) != 0 {
		t.Errorf("the paused inject %s reached the platform: %v, want it not run", paused, c)
	}
	if n := s.nmap.calls.Load(); int(n) != len(ran) {
		t.Errorf("the injector ran %d times for %d injects run, want the paused one not run", n, len(ran))
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := pe.Wait(t.Context()); err != nil {
		t.Fatalf("the pause did not end once the disk had room: %v", err)
	}
	if now := pe.Current(); !strings.HasPrefix(now, "outbox room freed") {
		t.Errorf("once the disk has room /healthz would say %q, want the room freed", now)
	}
	go handle(paused)
	waiting++
	gate.open()
	for range waiting {
		if r := <-results; r.err != nil {
			t.Errorf("%s handled: %v, want its result delivered and its message acknowledged", r.id, r.err)
		}
	}
	// A result stored is posted after its message is acknowledged; one
	// whose attempt could not be noted beside the outbox (the disk full)
	// waits there for the resender.
	if _, err := s.resender().Flush(t.Context()); err != nil {
		t.Errorf("flush once the disk has room: %v", err)
	}
	if n := s.nmap.calls.Load(); int(n) != len(ran)+1 {
		t.Errorf("the injector ran %d times, want %d: once for each inject, the paused one once the disk had room", n, len(ran)+1)
	}
	for _, id := range append(ran, paused) {
		if _, err := s.platform.WaitTerminal(t.Context(), id); err != nil {
			t.Errorf("the platform holds no terminal callback of %s: %v", id, err)
		}
	}
}

// TestIntegrationServePausesOnFullDisk is h227's run of serve on the real
// broker with its outbox's file system full: /healthz said ok while the
// injects ran, their results held in memory. The consumption now pauses,
// /healthz 503 naming the outbox and the error, until the disk has room;
// then every inject published is run and its result delivered.
func TestIntegrationServePausesOnFullDisk(t *testing.T) {
	broker, queue := integration(t)
	dir := testkit.SmallDisk(t, "256k")
	gate := newCallbackGate()
	defer gate.open()
	s := newServeEnv(t, serveOpts{outbox: true, outboxDir: dir, httpClient: &http.Client{Transport: gate}})
	d, url := s.daemon(t, broker, queue)
	run(t, d)
	testkit.WaitFor(t, testkit.Hang, "a registration", func() bool { return len(s.platform.Registrations()) > 0 })
	testkit.FillDisk(t, dir)
	// One at a time, each run until its "complete" is held or kept in the
	// outbox (its result stored or refused by then): two workers, and a
	// result refused keeps its worker while it is tried again.
	paused := func() bool { return servetest.Metric(t, s.prom, "injectkit_consumption_paused") == 1 }
	var ids []string
	for i := 0; !paused(); i++ {
		if i == maxOnFullDisk {
			t.Fatalf("%d injects ran with the outbox's file system full, none paused", i)
		}
		ids = append(ids, fmt.Sprintf("i-%d", i))
		pending := s.records(t)[outbox.Pending]
		servetest.Publish(t, queue, s.message(t, ids[i], "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
		testkit.WaitFor(t, testkit.Hang, ids[i]+" run or the consumption paused", func() bool {
			select {
			case held := <-gate.held: // an earlier inject's post tried again says nothing of this one
				return held == ids[i]
			default: // or kept in the outbox, its post not made
				return paused() || s.records(t)[outbox.Pending] > pending
			}
		})
	}
	code, h := servetest.Health(t, url)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(h.Reason, "outbox not writable: ") ||
		!strings.Contains(h.Reason, "no space left on device") || !strings.Contains(h.Reason, s.store.Path()) {
		t.Errorf("/healthz on a full disk: %d %+v, want 503 naming the outbox and the error", code, h)
	}
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, testkit.Hang, "the consumption resumed", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_consumption_paused") == 0
	})
	gate.open()
	testkit.WaitFor(t, testkit.Hang, "every inject run", func() bool { return int(s.nmap.calls.Load()) >= len(ids) })
	if _, err := s.resender().Flush(t.Context()); err != nil { // serve's resender, for the bodies left pending
		t.Errorf("flush once the disk has room: %v", err)
	}
	for _, id := range ids {
		if _, err := s.platform.WaitTerminal(t.Context(), id); err != nil {
			t.Errorf("the platform holds no terminal callback of %s: %v", id, err)
		}
	}
}
