package openaev_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerRunsOnlyWhatItCanKeep checks the outbox tester's case: the
// platform fails every "complete", so each result stays in the outbox.
// Each message is run only when the outbox can keep its result: one is
// stored, or handed back with a serve.PauseError before it runs; no
// result is ever sent unstored, none lost. Once room is freed (as the
// resender does), the pause ends and the next message runs, and once the
// outbox is as full again, a message is paused again.
func TestHandlerRunsOnlyWhatItCanKeep(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, outboxMax: 3000})
			const injects = 8
			for i := range injects + 12 {
				s.platform.FailComplete(fmt.Sprintf("i-%d", i), http.StatusInternalServerError, 1<<20)
			}
			handle := func(i int) error {
				id := fmt.Sprintf("i-%d", i)
				return s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)})
			}
			errs := make([]error, injects)
			for next := 0; next < injects; next += workers {
				var wg sync.WaitGroup
				for i := next; i < min(next+workers, injects); i++ {
					wg.Go(func() { errs[i] = handle(i) })
				}
				wg.Wait()
			}
			var pe *serve.PauseError
			paused := 0
			for i, err := range errs {
				switch {
				case errors.As(err, &pe):
					paused++
				case err != nil:
					t.Errorf("i-%d: %v, want stored and acknowledged, or paused", i, err)
				}
			}
			runs := int(s.nmap.calls.Load())
			if got := s.records(t)[outbox.Pending]; got != runs || runs+paused != injects || paused == 0 {
				t.Errorf("%d runs, %d results kept, %d paused of %d: want every run kept, the others paused", runs, got, paused, injects)
			}
			if paused == 0 {
				t.FailNow()
			}
			if n := s.logs.FilterMessageSnippet("without storing it").Len(); n != 0 {
				t.Errorf("%d results found no room after their run", n)
			}
			// The resender delivers one: room for one more run, not two.
			recs, err := s.store.List()
			if err != nil || len(recs) == 0 {
				t.Fatalf("outbox %v %v", recs, err)
			}
			if err := s.store.Delete(recs[0].ID); err != nil {
				t.Fatal(err)
			}
			if err := pe.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := handle(injects); err != nil || int(s.nmap.calls.Load()) != runs+1 {
				t.Errorf("once the outbox has room: %v, %d runs; want run", err, s.nmap.calls.Load())
			}
			// The next ones run until the outbox is as full again: no room
			// for a result as large as the largest so far.
			for i := injects + 1; ; i++ {
				stored := s.storedBytes(t)
				err := handle(i)
				if errors.As(err, &pe) {
					if stored+s.largest.Load() <= 3000 {
						t.Errorf("paused with %d bytes stored, room for a result of %d", stored, s.largest.Load())
					}
					break
				}
				if err != nil || i > injects+10 {
					t.Fatalf("i-%d: %v; want stored and acknowledged until a pause", i, err)
				}
			}
		})
	}
}

// TestHandlerOversize checks that a message the daemon rejects for its
// size is named by the inject id its head holds, and that the inject gets
// its terminal INVALID_USAGE (it would stay queued on the platform).
func TestHandlerOversize(t *testing.T) {
	tests := []struct {
		name        string
		head        func(msg []byte) []byte
		wantID      string
		redelivered bool // counted in injectkit_redeliveries_total, not received
	}{
		{"inject id in the head", func(msg []byte) []byte { return msg }, "i-1", false},
		{"redelivered", func(msg []byte) []byte { return msg }, "i-1", true},
		{"head without an inject id", func([]byte) []byte { return []byte(`{"injection":{"inject_content":{"x":"`) }, "", false},
		{"spaces around the colon", func([]byte) []byte { return []byte("{\"inject_id\" :\n \"i-1\",\"injection\":{") }, "i-1", false},
		{"inject id over 256 bytes", func([]byte) []byte {
			return []byte(`{"inject_id":"i-1` + strings.Repeat("x", 254) + `","injection":{`)
		}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{})
			msg := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if got := s.handler.HandleOversize(t.Context(), serve.Delivery{Body: tt.head(msg), Redelivered: tt.redelivered}, 20<<20, 16<<20); got != tt.wantID {
				t.Errorf("named %q, want %q", got, tt.wantID)
			}
			// Rejected, whether it names its inject or not: counted as a
			// malformed message is.
			if got := servetest.Metric(t, s.prom, "injectkit_injects_failed_total"); got != 1 {
				t.Errorf("injects failed %v, want 1", got)
			}
			if got, want := servetest.Metric(t, s.prom, "injectkit_injects_received_total"), map[bool]float64{false: 1}[tt.redelivered]; got != want {
				t.Errorf("injects received %v, want %v", got, want)
			}
			// Named, it is received as a message of an unknown contract is.
			if !s.checkRefusedNamed(t, tt.wantID, "max_message_size") {
				return
			}
			if n := s.nmap.calls.Load(); n != 0 {
				t.Errorf("nmap ran %d times", n)
			}
		})
	}
}

// TestHandlerUnreadableMessage checks that a message that is not JSON but
// names its inject in its first bytes (bytes after the object, a byte
// order mark before it, cut short) is rejected with the inject's reception
// and a terminal INVALID_USAGE saying where it breaks, and counted
// received and failed: the inject would stay queued on the platform for
// ever. One naming no inject sends nothing.
func TestHandlerUnreadableMessage(t *testing.T) {
	tests := []struct {
		name   string
		body   func(msg []byte) []byte
		wantID string
		reason string
	}{
		{"trailing garbage", func(msg []byte) []byte { return append(msg, " garbage"...) }, "i-1", "not valid JSON: invalid character 'g' after top-level value (at byte"},
		{"byte order mark", func(msg []byte) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, msg...) }, "i-1", "byte order mark"},
		{"cut short", func([]byte) []byte { return []byte(`{"injection":{"inject_id":"i-1",`) }, "i-1", "unexpected end of JSON input (at byte 32)"},
		{"cut short before the id", func([]byte) []byte { return []byte(`{"injection":{"inject_id":`) }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{})
			msg := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			// The daemon's log lines about the message name the inject too.
			if got, decoded := s.handler.MessageKey(tt.body(msg)); got != tt.wantID || decoded != nil {
				t.Errorf("MessageKey = %q, %v, want %q and nothing decoded", got, decoded, tt.wantID)
			}
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: tt.body(msg)})
			if got := settlement(err); got != "reject" {
				t.Fatalf("settlement %s (%v), want reject", got, err)
			}
			if n := s.nmap.calls.Load(); n != 0 {
				t.Errorf("nmap ran %d times", n)
			}
			// Named, it is received as a message of an unknown contract is.
			if !s.checkRefusedNamed(t, tt.wantID, tt.reason) {
				return
			}
			if st := s.platform.InjectStatus("i-1"); st == "QUEUING" || st == "" {
				t.Errorf("inject status %q on the platform, want it finished", st)
			}
			for _, c := range []string{"received", "failed"} {
				if got := servetest.Metric(t, s.prom, "injectkit_injects_"+c+"_total"); got != 1 {
					t.Errorf("injects %s %v, want 1", c, got)
				}
			}
		})
	}
}

// TestHandlerRunsTheMessageMessageKeyDecoded checks that MessageKey
// returns the message it decoded with its inject id, and that
// HandleDelivery runs that message (Delivery.Decoded) without decoding
// the body again; a message MessageKey cannot decode is named alone.
func TestHandlerRunsTheMessageMessageKeyDecoded(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	msg := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	id, decoded := s.handler.MessageKey(msg)
	if m, ok := decoded.(*openaev.Message); id != "i-1" || !ok || m.Injection.InjectID != "i-1" {
		t.Fatalf("MessageKey = %q, %v, want i-1 and its message", id, decoded)
	}
	// The body is not read again: a body that is not a message is run as
	// the message decoded from the one delivered.
	err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: []byte("not read"), Decoded: decoded})
	if got := settlement(err); got != "ack" {
		t.Fatalf("settlement %s (%v), want ack", got, err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want once", n)
	}
	if term, ok := s.platform.Terminal("i-1"); !ok || term.Body["execution_status"] != "SUCCESS" {
		t.Errorf("terminal callback %v, want a SUCCESS", term.Body)
	}
	if id, decoded := s.handler.MessageKey(append(msg, " garbage"...)); id != "i-1" || decoded != nil {
		t.Errorf("MessageKey of an unreadable message = %q, %v, want i-1 and nothing decoded", id, decoded)
	}
}
