package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerSettles checks how the serve Handler maps each outcome of a
// message onto the daemon's settlement, and that no outcome runs an
// inject twice or loses its result.
func TestHandlerSettles(t *testing.T) {
	type want struct {
		settle      string // "ack", "reject", "requeue", "unauthorized", "unauthorized durable"
		runs        int32
		outbox      map[outbox.State]int
		completions int
		log         string // a log message snippet, "" for none
		closing     string // the INFO line that settles the message, "" when not checked
		// counted is the inject counter the outcome increments:
		// "completed" (its terminal callback delivered or stored for a
		// later delivery), "failed" (rejected, or its result lost), or ""
		// (requeued, or nothing of this run delivered).
		counted string
	}
	type failure struct{ status, times int } // the platform's answer to the first tries
	withOutbox, pending := serveOpts{outbox: true}, map[outbox.State]int{outbox.Pending: 1}
	// old is o on a 1.x platform, which answers 404 for access denied.
	old := func(o serveOpts) serveOpts {
		o.platform = append(o.platform, openaevtest.WithVersionString("1.18.19"))
		return o
	}
	deny := func(_ *testing.T, s *serveEnv) { s.platform.DenyInject("i-1") }
	// An outbox with room for the callback keepCallback stores, not for
	// the result of a run beside it.
	small := serveOpts{outbox: true, outboxMax: 200}
	// An outbox with room for a result when the run starts.
	roomy := serveOpts{outbox: true, outboxMax: 64 << 10}
	tests := []struct {
		name        string
		opts        serveOpts
		setup       func(t *testing.T, s *serveEnv)
		complete    failure // of i-1's terminal callback
		reception   failure // of i-1's reception
		statusRead  failure // of the reads of i-1's status
		body        string  // "" for the nmap message of inject i-1
		redelivered bool
		returned    bool // redelivered after the daemon returned it unhandled
		want        want
	}{
		{name: "delivered", want: want{counted: "completed", settle: "ack", runs: 1, completions: 1}},
		{name: "redelivered after the daemon returned it unhandled: received, run", redelivered: true, returned: true,
			want: want{counted: "completed", settle: "ack", runs: 1, completions: 1}},
		{name: "redelivered, not finished: run", redelivered: true,
			want: want{counted: "completed", settle: "ack", runs: 1, completions: 1, log: "redelivered message of an unfinished inject"}},
		{name: "redelivered, finished: not run, no reopening", redelivered: true,
			setup: func(t *testing.T, s *serveEnv) { s.completeFirst(t) },
			want:  want{settle: "ack", runs: 1, completions: 1, log: "redelivered message of a finished inject"}},
		{name: "redelivered, status unreadable: run, and why logged", redelivered: true,
			statusRead: failure{http.StatusServiceUnavailable, 99},
			setup:      func(t *testing.T, s *serveEnv) { s.completeFirst(t) },
			want:       want{counted: "completed", settle: "ack", runs: 2, completions: 2, log: "the inject's status cannot be read; running it"}},
		{name: "redelivered, finished during the run: superseded, not counted completed", redelivered: true,
			// Another run completes the inject while this one runs.
			setup: func(t *testing.T, s *serveEnv) { s.nmap.during = func() { s.completeFirst(t) } },
			want:  want{settle: "ack", runs: 2, completions: 1, log: "terminal callback superseded"}},
		{name: "redelivered, status not found: run", redelivered: true,
			statusRead: failure{http.StatusNotFound, 99},
			want:       want{counted: "completed", settle: "ack", runs: 1, completions: 1, log: "the inject's status cannot be read; running it"}},
		// A token that may write an inject may read it (2.4.0's grants:
		// GRANT_TYPE.andHigher): a read refused, so would the reception be.
		{name: "redelivered, status refused: the token's failure, kept, not run", redelivered: true,
			statusRead: failure{http.StatusForbidden, 99},
			want:       want{settle: "unauthorized i-1", runs: 0, completions: 0}},
		{name: "redelivered, callback waiting in the outbox: not run", opts: withOutbox, redelivered: true,
			setup: func(t *testing.T, s *serveEnv) { s.keepCallback(t) },
			want:  want{settle: "ack", runs: 0, outbox: pending, log: "terminal callback already in the outbox"}},
		{name: "first delivery, a callback of the inject in the outbox: run, the outbox not read", opts: withOutbox,
			setup: func(t *testing.T, s *serveEnv) { s.keepCallback(t) },
			want:  want{counted: "completed", settle: "ack", runs: 1, completions: 1, outbox: pending}},
		{name: "401 on complete, outbox: durable, acknowledged, pending", opts: withOutbox,
			complete: failure{http.StatusUnauthorized, 1}, want: want{counted: "completed", settle: "unauthorized durable", runs: 1, outbox: pending}},
		{name: "403 on complete, outbox", opts: withOutbox, complete: failure{http.StatusForbidden, 1},
			want: want{counted: "completed", settle: "unauthorized durable", runs: 1, outbox: pending}},
		{name: "1.x: 404 on complete after the reception: authorization", opts: old(withOutbox),
			complete: failure{http.StatusNotFound, 1}, want: want{counted: "completed", settle: "unauthorized durable", runs: 1, outbox: pending}},
		{name: "2.4.0: 404 on complete after the reception: the inject deleted, rejected, dead, not an authorization",
			opts: serveOpts{outbox: true, version: openaevtest.Version24}, complete: failure{http.StatusNotFound, 1},
			want: want{counted: "failed", settle: "reject", runs: 1, outbox: map[outbox.State]int{outbox.Dead: 1}}},
		{name: "current: 404 on complete after the reception: the inject deleted, rejected, dead", opts: withOutbox,
			complete: failure{http.StatusNotFound, 1},
			want:     want{counted: "failed", settle: "reject", runs: 1, outbox: map[outbox.State]int{outbox.Dead: 1}}},
		{name: "401 on complete, no outbox: acknowledged as unauthorized, not run again, the result logged", complete: failure{http.StatusUnauthorized, 1},
			want: want{counted: "failed", settle: "unauthorized ran", runs: 1}},
		{name: "1.x: 404 on the reception of a dispatched inject: authorization, nothing runs", opts: old(serveOpts{}),
			reception: failure{http.StatusNotFound, 1}, want: want{settle: "unauthorized i-1", runs: 0}},
		{name: "1.x: a token denied the inject (404): authorization, nothing runs", opts: old(serveOpts{}),
			setup: deny, want: want{settle: "unauthorized i-1", runs: 0}},
		{name: "2.4.0: 404 on the reception of a dispatched inject: the inject deleted, rejected, nothing runs",
			opts: serveOpts{version: openaevtest.Version24}, reception: failure{http.StatusNotFound, 1},
			want: want{counted: "failed", settle: "reject", runs: 0}},
		{name: "current: 404 on the reception of a dispatched inject: the inject deleted, rejected, nothing runs",
			reception: failure{http.StatusNotFound, 1}, want: want{counted: "failed", settle: "reject", runs: 0}},
		{name: "2.4.0: a token denied the inject (403): authorization, nothing runs", opts: serveOpts{version: openaevtest.Version24},
			setup: deny, want: want{settle: "unauthorized i-1", runs: 0}},
		{name: "400 on complete: rejected, dead", opts: withOutbox, complete: failure{http.StatusBadRequest, 1},
			want: want{counted: "failed", settle: "reject", runs: 1, outbox: map[outbox.State]int{outbox.Dead: 1}}},
		{name: "400 on complete, no outbox: the result lost, logged at ERROR with its signatures, acknowledged, not run again",
			complete: failure{http.StatusBadRequest, 1},
			want:     want{counted: "failed", settle: "ack", runs: 1, log: "terminal callback refused and no outbox: the inject's result is lost to the platform"}},
		{name: "503 on complete, outbox: kept and acknowledged", opts: withOutbox,
			complete: failure{http.StatusServiceUnavailable, 9}, want: want{counted: "completed", settle: "ack", runs: 1, outbox: pending,
				log: "terminal callback not delivered; kept in the outbox and acknowledged"}},
		{name: "503 on complete, no outbox: the result held, tried again until delivered, acknowledged, not run again",
			complete: failure{http.StatusServiceUnavailable, 9},
			want: want{counted: "completed", settle: "ack", runs: 1, completions: 1,
				log:     "terminal callback not delivered and no outbox to keep it: retrying until the platform takes the result",
				closing: "the inject's result sent without storing it; message acknowledged"}},
		{name: "outbox full: not run, the consumption paused", opts: small,
			setup: func(t *testing.T, s *serveEnv) { s.keepCallback(t); s.fillOutbox(t) },
			want:  want{settle: "pause outbox full: 200 of 200 bytes stored, 0 reserved for 0 results in flight; the next needs 200", runs: 0, outbox: map[outbox.State]int{outbox.Pending: 2}, log: "inject not run"}},
		{name: "outbox filled during the run: sent without storing it, acknowledged", opts: roomy,
			setup: func(t *testing.T, s *serveEnv) { s.nmap.during = func() { s.fillOutbox(t) } },
			want: want{counted: "completed", settle: "ack", runs: 1, completions: 1, outbox: pending, log: "sending it without storing it",
				closing: "the inject's result sent without storing it; message acknowledged"}},
		{name: "outbox filled during the run, not delivered at first: tried again until delivered, acknowledged, not run again", opts: roomy,
			setup:    func(t *testing.T, s *serveEnv) { s.nmap.during = func() { s.fillOutbox(t) } },
			complete: failure{http.StatusServiceUnavailable, 7},
			want: want{counted: "completed", settle: "ack", runs: 1, completions: 1, outbox: pending, log: "retrying until the platform or the outbox takes the result",
				closing: "the inject's result sent without storing it; message acknowledged"}},
		{name: "outbox filled during the run, the callback refused for good: the result logged, acknowledged, not run again", opts: roomy,
			setup:    func(t *testing.T, s *serveEnv) { s.nmap.during = func() { s.fillOutbox(t) } },
			complete: failure{http.StatusBadRequest, 99},
			want:     want{counted: "failed", settle: "ack", runs: 1, outbox: pending, log: "the inject's result is lost to the platform"}},
		{name: "not JSON: rejected", body: `{"injection":`, want: want{counted: "failed", settle: "reject"}},
		{name: "unselected injector: INVALID_USAGE, rejected", opts: serveOpts{injectors: "noop"},
			want: want{counted: "failed", settle: "reject", runs: 0, completions: 1}},
		{name: "unselected injector, 503 on complete, outbox: the INVALID_USAGE kept, why logged, counted failed",
			opts: serveOpts{injectors: "noop", outbox: true}, complete: failure{http.StatusServiceUnavailable, 9},
			want: want{counted: "failed", settle: "ack", runs: 0, outbox: pending, log: "kept in the outbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, tt.opts)
			body := []byte(tt.body)
			if tt.body == "" {
				body = s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			}
			if tt.setup != nil {
				tt.setup(t, s)
			}
			if tt.complete.times > 0 {
				s.platform.FailComplete("i-1", tt.complete.status, tt.complete.times)
			}
			if tt.reception.times > 0 {
				s.platform.FailReception("i-1", tt.reception.status, tt.reception.times)
			}
			if tt.statusRead.times > 0 {
				s.platform.FailInjectRead("i-1", tt.statusRead.status, tt.statusRead.times)
			}
			err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body, Redelivered: tt.redelivered, Returned: tt.returned})
			if got := settlement(err); got != tt.want.settle {
				t.Errorf("settlement %s (%v), want %s", got, err, tt.want.settle)
			}
			if ue := (*serve.UnauthorizedError)(nil); errors.As(err, &ue) && tt.body == "" && ue.Injector != "nmap" {
				t.Errorf("refusal labelled injector %q, want nmap (counted failed under it once the daemon rejects it)", ue.Injector)
			}
			if ue := (*serve.UnauthorizedError)(nil); errors.As(err, &ue) && ue.Ran && !ue.Durable {
				// The result lost: said once, by the daemon's line, which
				// carries what was lost; the Handler logs nothing of it.
				got := zapcore.NewMapObjectEncoder()
				for _, f := range ue.LogFields {
					f.AddTo(got)
				}
				if got.Fields["undelivered_signatures"] == nil || got.Fields["duration"] == nil {
					t.Errorf("refusal's log fields %v, want undelivered_signatures and duration", got.Fields)
				}
				if n := s.logs.FilterLevelExact(zap.ErrorLevel).Len(); n != 0 {
					t.Errorf("the Handler logged %d ERROR lines of a failure it returns: %v", n, s.logs.All())
				}
			}
			if n := s.nmap.calls.Load(); n != tt.want.runs {
				t.Errorf("nmap ran %d times, want %d", n, tt.want.runs)
			}
			if n := len(s.platform.Completions("i-1")); n != tt.want.completions {
				t.Errorf("%d completions, want %d", n, tt.want.completions)
			}
			if r := s.platform.Reopenings("i-1"); r != max(tt.want.completions-1, 0) {
				t.Errorf("%d reopenings", r)
			}
			if s.store != nil {
				if got := s.records(t); len(got)+len(tt.want.outbox) > 0 && !equalCounts(got, tt.want.outbox) {
					t.Errorf("outbox %v, want %v", got, tt.want.outbox)
				}
			}
			for _, c := range []string{"completed", "failed"} {
				want := 0.0
				if c == tt.want.counted {
					want = 1
				}
				if got := servetest.Metric(t, s.prom, "injectkit_injects_"+c+"_total"); got != want {
					t.Errorf("injects %s %v, want %v", c, got, want)
				}
			}
			wantReceived := 1.0
			if tt.redelivered && !tt.returned {
				wantReceived = 0 // counted in injectkit_redeliveries_total
			}
			if got := servetest.Metric(t, s.prom, "injectkit_injects_received_total"); got != wantReceived {
				t.Errorf("injects received %v, want %v", got, wantReceived)
			}
			if tt.want.log != "" && s.logs.FilterMessageSnippet(tt.want.log).Len() == 0 {
				t.Errorf("no log line %q", tt.want.log)
			}
			if c := tt.want.closing; c != "" && s.logs.FilterMessage(c).FilterLevelExact(zap.InfoLevel).Len() != 1 {
				t.Errorf("no closing line INFO %q: %v", c, s.logs.All())
			}
			// The runtime leaves the failures it returns to the line that
			// settles the message: the daemon's (rejected, kept and handled
			// again), or the Handler's (kept in the outbox), which carries
			// the runtime's fields.
			for _, twice := range []string{"inject rejected", "inject not received; not run", "delivery failed", "rejection not delivered"} {
				if n := s.logs.FilterMessage(twice).Len(); n != 0 {
					t.Errorf("%d runtime lines %q: the failure is logged twice", n, twice)
				}
			}
			for _, e := range s.logs.FilterMessage("terminal callback not delivered; kept in the outbox and acknowledged").All() {
				fields := []string{"inject_id", "injector", "targets", "status", "duration", "stored", "dead", "outbox", "pending", "error"}
				if tt.want.runs == 0 {
					fields = []string{"inject_id", "injector", "rejected", "duration", "stored", "dead", "outbox", "pending", "error"}
				}
				for _, f := range fields {
					if _, ok := e.ContextMap()[f]; !ok || e.Level != zap.WarnLevel {
						t.Errorf("kept in the outbox: %s line without %s: %v", e.Level, f, e.ContextMap())
					}
				}
			}
			for _, e := range s.logs.FilterMessageSnippet("the inject's result is lost to the platform").All() {
				if _, ok := e.ContextMap()["undelivered_signatures"]; !ok || e.Level != zap.ErrorLevel {
					t.Errorf("result lost: a %s line without undelivered_signatures: %v", e.Level, e.ContextMap())
				}
			}
			assertNoSecret(t, s.logs, testToken)
		})
	}
}

// completeFirst runs i-1's message once: the platform then holds it
// finished.
func (s *serveEnv) completeFirst(t *testing.T) {
	t.Helper()
	if err := s.proc.Process(context.Background(), s.message(t, "i-1", "nmap",
		map[string]any{"targets": "192.0.2.1"}, nil, nil)); err != nil {
		t.Fatal(err)
	}
}

// keepCallback stores a terminal callback of i-1 in the outbox, pending,
// as a consumer that stopped before acknowledging its message left it.
func (s *serveEnv) keepCallback(t *testing.T) {
	t.Helper()
	if _, err := s.store.Put(outbox.Entry{InjectID: "i-1", Phase: openaev.ActionComplete, BaseURL: s.platform.URL,
		Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/i-1", InjectorID: testInjectorID,
		Body: []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete"}`)}); err != nil {
		t.Fatal(err)
	}
}

// fillOutbox stores a body of another inject that fills the outbox.
func (s *serveEnv) fillOutbox(t *testing.T) {
	t.Helper()
	st, err := s.store.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Put(outbox.Entry{InjectID: "i-0", Phase: openaev.ActionComplete, BaseURL: s.platform.URL,
		Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/i-0", InjectorID: testInjectorID,
		Body: []byte(strings.Repeat("x", int(s.store.MaxBytes()-st.Bytes)))}); err != nil {
		t.Fatal(err)
	}
}

func settlement(err error) string {
	var ue *serve.UnauthorizedError
	var pe *serve.PauseError
	switch {
	case err == nil:
		return "ack"
	case errors.As(err, &pe):
		return "pause " + pe.Reason
	case errors.As(err, &ue) && ue.Durable:
		return "unauthorized durable"
	case errors.As(err, &ue) && ue.Ran:
		return "unauthorized ran"
	case errors.As(err, &ue):
		return "unauthorized " + ue.Key // requeued, up to a limit by message
	case serve.IsPermanent(err):
		return "reject"
	}
	return "requeue"
}

func equalCounts(a, b map[outbox.State]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
