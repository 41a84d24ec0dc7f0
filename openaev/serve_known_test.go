package openaev_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestHandlerCopyWithoutRedeliveredFlag is tester t99's finding 1:
// RabbitMQ 3.10, once restarted with a transient message queued, returns
// the messages of a closed channel without their redelivered flag (AMQP
// 0-9-1: a client must not rely on it). A message of an inject this
// process knows (a handling in flight, one whose acknowledgement was
// lost, one that ended once its channel closed, starts of earlier
// processes that ended during the run) is handled as one sent again all
// the same: not run twice, the crash-loop guard answering, counted as a
// redelivery. The platform's ingestion window is 0 (no notes), as with
// --openaev-ingest-window 0. A message of an inject nothing knows runs.
func TestHandlerCopyWithoutRedeliveredFlag(t *testing.T) {
	const id = "i-1"
	tests := []struct {
		name string
		// before happens before the copy (the first handling done, or
		// held running: release lets it end).
		before func(t *testing.T, s *serveEnv, body []byte) (release func(), first <-chan error)
		// wantRuns is how many times nmap ran; wantTerminal the terminal
		// callback's status.
		wantRuns     int32
		wantTerminal string
		wantRedeliv  float64
		wantLog      string
	}{
		{name: "nothing known: a first delivery, run", before: func(*testing.T, *serveEnv, []byte) (func(), <-chan error) {
			return nil, nil
		}, wantRuns: 1, wantTerminal: "SUCCESS"},
		{name: "its handling in flight: takes that handling's outcome", before: func(t *testing.T, s *serveEnv, body []byte) (func(), <-chan error) {
			started, release := s.nmap.holdNextRun()
			first := make(chan error, 1)
			go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
			<-started
			return release, first
		}, wantRuns: 1, wantTerminal: "SUCCESS", wantRedeliv: 1},
		{name: "its acknowledgement lost: the platform shows it finished, not run", before: func(t *testing.T, s *serveEnv, body []byte) (func(), <-chan error) {
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatal(err)
			}
			s.handler.NoteAckLost(id) // as the daemon does when the ack fails
			return nil, nil
		}, wantRuns: 1, wantTerminal: "SUCCESS", wantRedeliv: 1, wantLog: "message sent again of a finished inject: acknowledged, not run again"},
		{name: "its handling ended once its channel closed: not run", before: func(t *testing.T, s *serveEnv, body []byte) (func(), <-chan error) {
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body,
				Lost: func() bool { return s.nmap.calls.Load() > 0 }}); err != nil {
				t.Fatal(err)
			}
			return nil, nil
		}, wantRuns: 1, wantTerminal: "SUCCESS", wantRedeliv: 1, wantLog: "message sent again of a finished inject: acknowledged, not run again"},
		{name: "its runs ended their process twice: ERROR, not run", before: func(t *testing.T, s *serveEnv, body []byte) (func(), <-chan error) {
			endDuringRuns(t, s.store.Path(), id, openaev.MaxUnfinishedRuns)
			return nil, nil
		}, wantRuns: 0, wantTerminal: "ERROR", wantRedeliv: 1, wantLog: "inject not run again: injectkit stopped while running it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true})
			body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			release, first := tt.before(t, s, body)
			copyDone := make(chan error, 1)
			go func() {
				copyDone <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: false})
			}()
			if release != nil {
				testkit.WaitFor(t, testkit.Hang, "the copy waiting for the handling in flight", func() bool {
					return s.logs.FilterMessageSnippet("wait").Len() > 0
				})
				release()
				if err := <-first; err != nil {
					t.Errorf("first handling: %v", err)
				}
			}
			if err := <-copyDone; err != nil {
				t.Errorf("copy: %v, want acknowledged", err)
			}
			if n := s.nmap.calls.Load(); n != tt.wantRuns {
				t.Errorf("nmap ran %d times, want %d", n, tt.wantRuns)
			}
			if term, ok := s.platform.Terminal(id); !ok || term.Body["execution_status"] != tt.wantTerminal {
				t.Errorf("terminal %v, want %s", term.Body, tt.wantTerminal)
			}
			if n := len(s.platform.Receptions(id)); n != 1 {
				t.Errorf("%d receptions, want 1", n)
			}
			if got := servetest.Metric(t, s.prom, "injectkit_redeliveries_total"); got != tt.wantRedeliv {
				t.Errorf("redeliveries %v, want %v", got, tt.wantRedeliv)
			}
			if tt.wantLog != "" && s.logs.FilterMessageSnippet(tt.wantLog).Len() != 1 {
				t.Errorf("no line %q", tt.wantLog)
			}
			// The copy runs nothing, so nothing says it runs again.
			for _, e := range s.logs.All() {
				if tt.wantRuns == 1 && tt.wantRedeliv > 0 && strings.Contains(e.Message, "running it") {
					t.Errorf("line %q (%v)", e.Message, e.Level)
				}
			}
		})
	}
}

// Two copies of an inject arriving together without the redelivered flag,
// both before this process knew the inject (see sentBefore): the second
// waits for the first's handling, and is counted as a redelivery where
// that wait is decided, not as an inject received.
func TestHandlerCopiesArrivingTogetherCounted(t *testing.T) {
	const id = "i-together"
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	// The second copy is held in its claim (its channel's first check)
	// once it is past sentBefore, until the first runs.
	atClaim, gate := make(chan struct{}), make(chan struct{})
	var held sync.Once
	lost := func() bool {
		held.Do(func() { close(atClaim); <-gate })
		return false
	}
	second := make(chan error, 1)
	go func() { second <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Lost: lost}) }()
	<-atClaim
	started, release := s.nmap.holdNextRun()
	first := make(chan error, 1)
	go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
	<-started
	close(gate)
	testkit.WaitFor(t, testkit.Hang, "the second copy waiting for the first", func() bool {
		return s.logs.FilterMessageSnippet("waiting for its handling to end").Len() > 0
	})
	if got := servetest.Metric(t, s.prom, "injectkit_redeliveries_total"); got != 1 {
		t.Errorf("redeliveries %v while the copy waits, want 1", got)
	}
	release()
	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-second; err != nil {
		t.Errorf("second: %v", err)
	}
	if got := servetest.Metric(t, s.prom, "injectkit_injects_received_total"); got != 1 {
		t.Errorf("injects received %v, want 1 (the first copy)", got)
	}
	if got := servetest.Metric(t, s.prom, "injectkit_redeliveries_total"); got != 1 {
		t.Errorf("redeliveries %v, want 1 (the second copy)", got)
	}
}

// TestHandlerAckLostMemoryOnTheProfilesClock is reviewer r17's finding:
// the memory of an inject whose acknowledgement was lost (NoteAckLost,
// lostMemory) read time.Now, not the profile's clock that its notes read:
// a test setting that clock did not move it. A copy without the
// redelivered flag is taken for a redelivery within lostMemory by that
// clock, for a first delivery past it.
func TestHandlerAckLostMemoryOnTheProfilesClock(t *testing.T) {
	const id = "i-1"
	tests := []struct {
		name        string
		after       time.Duration
		wantRedeliv float64
	}{
		{"within the memory: a redelivery", openaev.LostMemory - time.Minute, 1},
		{"past it: a first delivery", openaev.LostMemory + time.Minute, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ahead atomic.Int64
			start := time.Now()
			s := newServeEnv(t, serveOpts{now: func() time.Time { return start.Add(time.Duration(ahead.Load())) }})
			body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			s.handler.NoteAckLost(id)
			ahead.Store(int64(tt.after))
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatal(err)
			}
			if got := servetest.Metric(t, s.prom, "injectkit_redeliveries_total"); got != tt.wantRedeliv {
				t.Errorf("redeliveries %v, want %v", got, tt.wantRedeliv)
			}
		})
	}
}

// TestHandlerCopyAtTheFlightsEnd is reviewer r17's finding: a handling
// that ended once its channel closed noted its acknowledgement lost after
// its flight ended, so a copy arriving between the two (the broker
// sending the message again without its redelivered flag) found neither
// and ran the inject a second time. The note now comes before the flight
// ends: the copy, held at that point by the first handling's last look at
// its channel, is taken for a redelivery and takes the first's outcome.
func TestHandlerCopyAtTheFlightsEnd(t *testing.T) {
	const id = "i-1"
	s := newServeEnv(t, serveOpts{})
	body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	// The first handling's channel closes once the platform has the
	// result; its look at it then, as the handling ends, is held until
	// the copy is decided.
	atEnd, gate := make(chan struct{}), make(chan struct{})
	var held sync.Once
	lost := func() bool {
		if _, ok := s.platform.Terminal(id); !ok {
			return false
		}
		held.Do(func() { close(atEnd); <-gate })
		return true
	}
	first := make(chan error, 1)
	go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Lost: lost}) }()
	<-atEnd
	// The copy is decided when it is counted: a redelivery at once, or a
	// first delivery once its claim looks at its channel.
	var claimed atomic.Bool
	copyDone := make(chan error, 1)
	go func() {
		copyDone <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body,
			Lost: func() bool { claimed.Store(true); return false }})
	}()
	testkit.WaitFor(t, testkit.Hang, "the copy decided", func() bool {
		return claimed.Load() || servetest.Metric(t, s.prom, "injectkit_redeliveries_total") == 1
	})
	close(gate)
	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-copyDone; err != nil {
		t.Errorf("copy: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want 1", n)
	}
	if got := servetest.Metric(t, s.prom, "injectkit_redeliveries_total"); got != 1 {
		t.Errorf("redeliveries %v, want 1: the copy", got)
	}
}
