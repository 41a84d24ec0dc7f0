package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"go.uber.org/zap"
	"net/http"
	"strings"
	"sync"
	"testing"

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
		{name: "redelivered, status refused: run", redelivered: true,
			statusRead: failure{http.StatusForbidden, 99},
			want:       want{counted: "completed", settle: "ack", runs: 1, completions: 1, log: "the inject's status cannot be read; running it"}},
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
			want: want{counted: "failed", settle: "unauthorized ran", runs: 1, log: "the inject's result is lost to the platform"}},
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
			assertNoSecret(t, s.logs, testToken)
		})
	}
}

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

// TestAuthorizationErrors checks which refusals are the token's: 401 and
// 403 always; on a 1.x platform (access denied is 404), also a 404 on the
// reception of a dispatched inject or on the terminal callback of a
// received one; a 404 on the reception of an inject nobody dispatched
// (`run --openaev-message`) stays a refused message. From 2.0.0 on (2.4.0,
// current) access denied is 403, and such a 404 is the inject deleted: a
// refused message, or a callback refused for good.
func TestAuthorizationErrors(t *testing.T) {
	type row struct {
		name       string
		dispatched bool
		// The platform's refusal: status on the first reception, or on
		// the first terminal callback when complete; deny hides the inject.
		status               int
		complete, deny       bool
		wantAuth, wantMsgErr bool
	}
	always := []row{
		{name: "reception 401", status: 401, wantAuth: true},
		{name: "reception 403", status: 403, wantAuth: true},
		{name: "reception 404, not dispatched", status: 404, wantMsgErr: true},
		{name: "denied inject, dispatched", dispatched: true, deny: true, wantAuth: true},
		{name: "complete 400", complete: true, status: 400},
	}
	tests := map[string][]row{
		"1.18.19": append(always,
			row{name: "reception 404, dispatched", dispatched: true, status: 404, wantAuth: true},
			row{name: "complete 404 after the reception", complete: true, status: 404, wantAuth: true}),
	}
	for _, v := range []string{openaevtest.Version24.String(), openaevtest.Current.String()} {
		tests[v] = append(always,
			row{name: "reception 404, dispatched: deleted", dispatched: true, status: 404, wantMsgErr: true},
			row{name: "complete 404 after the reception: deleted", complete: true, status: 404})
	}
	for version, rows := range tests {
		for _, tt := range rows {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersionString(version)})
				body := e.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
				switch {
				case tt.deny:
					e.platform.DenyInject("i-1")
				case tt.complete:
					e.platform.FailComplete("i-1", tt.status, 1)
				default:
					e.platform.FailReception("i-1", tt.status, 1)
				}
				ctx := context.Background()
				if tt.dispatched {
					ctx = openaev.Dispatched(ctx)
				}
				err := e.proc.Process(ctx, body)
				var auth *openaev.AuthorizationError
				var me *openaev.MessageError
				if errors.As(err, &auth) != tt.wantAuth || errors.As(err, &me) != tt.wantMsgErr {
					t.Fatalf("err = %v (%T), want authorization %v, message error %v", err, err, tt.wantAuth, tt.wantMsgErr)
				}
				if tt.wantAuth && (auth.Permanent() || !strings.Contains(err.Error(), "refuses the token")) {
					t.Errorf("authorization error %v: permanent %v", err, auth.Permanent())
				}
				if !tt.wantAuth && tt.status == http.StatusNotFound && !errors.Is(err, openaev.ErrPermanent) {
					t.Errorf("404 not an authorization: %v, want a refusal for good", err)
				}
			})
		}
	}
}

func TestInjectStatus(t *testing.T) {
	e := newEnv(t)
	e.platform.AddInject("i-1", openaev.ContractID("noop"))
	ctx := context.Background()
	if st, err := e.client.InjectStatus(ctx, "i-1"); err != nil || st != "QUEUING" {
		t.Fatalf("status %q %v", st, err)
	}
	var ae *openaev.APIError
	if _, err := e.client.InjectStatus(ctx, "nope"); !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Errorf("unknown inject: %v", err)
	}
	if _, err := e.client.InjectStatus(ctx, " "); err == nil {
		t.Error("blank inject id accepted")
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
