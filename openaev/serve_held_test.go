package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerHeldRetryAsksFirst is reviewer r4's case: a result held in
// memory (no outbox, or one filled during the run) whose try's last
// attempt the platform took, answering 502 all the same (a gateway that
// timed out after it). The next try asks the platform first and finds the
// inject finished: no "complete" follows the one it took.
func TestHandlerHeldRetryAsksFirst(t *testing.T) {
	tests := []struct {
		name string
		opts serveOpts
		fill bool // the outbox filled during the run
	}{
		{name: "no outbox"},
		{name: "outbox filled during the run", opts: serveOpts{outbox: true, outboxMax: 64 << 10}, fill: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, tt.opts)
			if tt.fill {
				s.nmap.during = func() { s.fillOutbox(t) }
			}
			// A try is 2 attempts (newServeEnv): the first fails, the
			// second is taken and answered 502.
			s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 1)
			s.platform.LoseCompleteAnswer("i-1", http.StatusBadGateway, 1)
			body := nmapAssetsMessage(t, s.env, "i-1", 2)
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body}); err != nil {
				t.Fatalf("settled with %v, want acknowledged", err)
			}
			checkTakenOnce(t, s.platform, "i-1")
			if n := s.nmap.calls.Load(); n != 1 {
				t.Errorf("nmap ran %d times, want 1", n)
			}
		})
	}
}

// TestHandlerHeldRetryKeepsThePlan is reviewer r4's case: a result held
// in memory (no outbox) is sent again as its first delivery planned it:
// what the plan left out is said once (one WARN), not again at each try.
func TestHandlerHeldRetryKeepsThePlan(t *testing.T) {
	s := newServeEnv(t, serveOpts{limit: openaev.MinMaxPayloadSize})
	s.nmap.service = strings.Repeat("x", 2*openaev.MinMaxPayloadSize) // a finding too large for any body
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 4)  // 2 tries of 2 attempts (newServeEnv)
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("settled with %v, want acknowledged", err)
	}
	if n := len(s.platform.Completions("i-1")); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
	if n := s.logs.FilterMessageSnippet("finding not sent").Len(); n != 1 {
		t.Errorf("%d WARNs of the finding left out, want 1 (the plan made once)", n)
	}
}

// TestHandlerHeldResultGauge: a result held in memory (no outbox, the
// platform failing its terminal callback) is counted by
// injectkit_results_held while its delivery is tried again, and no longer
// once its handling returns.
func TestHandlerHeldResultGauge(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 1<<20) // never taken
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.handler.HandleDelivery(ctx, serve.Delivery{Body: body}) }()
	// A try is 2 attempts (newServeEnv): the 4th complete is the second
	// try, the result held since the first failed.
	completes := func() bool {
		n := 0
		for _, c := range s.platform.Calls("i-1") {
			if c.Kind == openaevtest.KindComplete {
				n++
			}
		}
		return n >= 4
	}
	if err := s.platform.WaitFor(ctx, completes); err != nil {
		t.Fatal(err)
	}
	if n := heldResults(t, s); n != 1 {
		t.Errorf("injectkit_results_held = %v while the result is tried again, want 1", n)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the handling cut short settled with nil, want requeued")
	}
	if n := heldResults(t, s); n != 0 {
		t.Errorf("injectkit_results_held = %v once the handling returned, want 0", n)
	}
}

// heldResults is the value of injectkit_results_held in s's registry.
func heldResults(t *testing.T, s *serveEnv) float64 {
	t.Helper()
	mfs, err := s.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "injectkit_results_held" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no gauge injectkit_results_held")
	return 0
}

// TestHandlerHeldResultDroppedAtShutdown is tester t99's finding 4: the
// shutdown timeout drops a result held in memory (no outbox, the platform
// failing its terminal callback), its message requeued: one ERROR line
// names the inject and says the result is dropped and the inject runs
// again.
func TestHandlerHeldResultDroppedAtShutdown(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 1<<20) // never taken
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	done := make(chan error, 1)
	go func() { done <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
	testkit.WaitFor(t, testkit.Hang, "the result held", func() bool { return heldResults(t, s) == 1 })
	s.handler.Abandon()
	checkDropped(t, s, <-done)
}

// checkDropped checks that the handling of a held result the shutdown
// abandoned returned err, a *serve.DroppedError from which the daemon
// requeues the message and says so, once (see
// TestIntegrationServeHeldResultDroppedSaidOnce), the Handler logging
// nothing of it.
func checkDropped(t *testing.T, s *serveEnv, err error) {
	t.Helper()
	var de *serve.DroppedError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "the shutdown stopped the retries") {
		t.Errorf("the handling abandoned returned %v, want a *serve.DroppedError", err)
	}
	if lines := s.logs.FilterMessageSnippet("dropped").All(); len(lines) != 0 {
		t.Errorf("the Handler logged %v, want nothing: the daemon's line settling the message says it", lines)
	}
}

// TestHandlerLetsGoOfSharedOutbox checks that the shared outbox a first
// delivery's room check and start record share one opening of (see
// Store.Hold) is let go of before the inject runs, its start recorded,
// and after the message is settled: another process takes its lock at
// once, in the run and after it.
func TestHandlerLetsGoOfSharedOutbox(t *testing.T) {
	tests := []struct {
		name        string
		redelivered bool
	}{
		{name: "first delivery"},
		{name: "redelivered", redelivered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true})
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			var inRun []outbox.StartedRun
			var runErr error
			s.nmap.during = func() {
				other, err := outbox.Open(s.store.Path(), outbox.Options{}) // the lock tried once
				if err != nil {
					runErr = err
					return
				}
				defer other.Close()
				inRun, runErr = other.Starts()
			}
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: tt.redelivered})
			if got := settlement(err); got != "ack" {
				t.Fatalf("settlement %s (%v), want ack", got, err)
			}
			if runErr != nil || len(inRun) != 1 || inRun[0].InjectID != "i-1" {
				t.Errorf("in the run, another process found the starts %+v (%v), want the file free and i-1's start", inRun, runErr)
			}
			other, err := outbox.Open(s.store.Path(), outbox.Options{Timeout: outbox.DefaultTimeout})
			if err != nil {
				t.Fatalf("after the handling: %v", err)
			}
			_ = other.Close()
		})
	}
}

// The ERROR line of a result the platform refused (401) and nothing keeps
// (no outbox), the daemon's, lists the undelivered signatures the Handler
// returns (serve.UnauthorizedError.LogFields) as its terminal callback
// carries them: as the platform would have got them, its signature names,
// once per agent of an asset with several.
func TestLostResultLogsThePlatformsSignatures(t *testing.T) {
	s := newServeEnv(t, serveOpts{injectors: "noop"})
	agents := []string{"ag1", "ag2", "ag3"}
	content := map[string]any{"target_selector": "assets", "expectations": []map[string]any{{"expectation_type": "DETECTION"}}}
	body := s.message(t, "i-1", "noop", content, []map[string]any{asset("asset", "a1", "", "192.0.2.1", nil, agents...)}, nil)
	s.platform.FailComplete("i-1", http.StatusUnauthorized, 1)
	err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body})
	var ue *serve.UnauthorizedError
	if !errors.As(err, &ue) || !ue.Ran || ue.Durable {
		t.Fatalf("handling returned %v, want the refusal of a result that ran, nowhere kept", err)
	}
	// As --log-format json writes the line: the signatures nested in it,
	// an object a log shipper reads with the line, not a string to parse
	// again.
	line, err := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()).EncodeEntry(zapcore.Entry{Message: "lost"}, ue.LogFields)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line.Bytes(), &fields); err != nil {
		t.Fatalf("log line %s: %v", line, err)
	}
	raw := fields["undelivered_signatures"]
	if !strings.HasPrefix(string(raw), "[") {
		t.Fatalf("undelivered_signatures is %s in the JSON line, want an array", raw)
	}
	// The console's: the same JSON, readable, not quoted again.
	console, err := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()).EncodeEntry(zapcore.Entry{Message: "lost"}, ue.LogFields)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(console.String(), `"undelivered_signatures": [{"signature_target":{`) {
		t.Errorf("console line %s: undelivered_signatures not as JSON", console)
	}
	var doc struct {
		Targets []struct { // the array, read as the callback's "targets"
			SignatureTarget struct {
				Agent string `json:"agent"`
				Asset string `json:"asset"`
			} `json:"signature_target"`
			SignatureValues []struct {
				Values []struct {
					Type string `json:"signature_type"`
				} `json:"values"`
			} `json:"signature_values"`
		}
	}
	if err := json.Unmarshal([]byte(raw), &doc.Targets); err != nil {
		t.Fatalf("undelivered_signatures %q: %v", raw, err)
	}
	got := map[string]bool{}
	if len(doc.Targets) == 0 {
		t.Fatalf("no undelivered signatures: %s", raw)
	}
	for _, tg := range doc.Targets {
		if tg.SignatureTarget.Asset != "a1" {
			t.Errorf("target %+v, want asset a1", tg.SignatureTarget)
		}
		got[tg.SignatureTarget.Agent] = true
		for _, g := range tg.SignatureValues {
			for _, v := range g.Values {
				if v.Type == "end_time" || v.Type == "execution_status" || v.Type == "source_ipv4" {
					t.Errorf("signature named %q, not as the platform names it", v.Type)
				}
			}
		}
	}
	for _, a := range agents {
		if !got[a] {
			t.Errorf("no undelivered signatures for agent %s: %s", a, raw)
		}
	}
}

// blockingCallbacks is a transport that, once hold is set, holds each
// POST of a callback until its request is cancelled, saying so on
// blocked: a try of a held result in flight, the Poster's own retries
// with it.
type blockingCallbacks struct {
	hold    atomic.Bool
	blocked chan struct{}
}

func (b *blockingCallbacks) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.Contains(req.URL.Path, "/callback/") && b.hold.Load() {
		select {
		case b.blocked <- struct{}{}:
		default:
		}
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestHandlerHeldResultDroppedAtShutdownDuringTry is tester t102's
// finding: the shutdown timeout coming while a try of a result held in
// memory is in flight (not in the wait between two tries) cuts that try
// short and logs the same one ERROR: the result dropped, the inject run
// again. Tester t107's: that ERROR carries the platform's last answer
// (the try before's 503), not the cancellation of the try cut short.
func TestHandlerHeldResultDroppedAtShutdownDuringTry(t *testing.T) {
	tr := &blockingCallbacks{blocked: make(chan struct{}, 1)}
	s := newServeEnv(t, serveOpts{httpClient: &http.Client{Transport: tr}})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 1<<20) // never taken
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	done := make(chan error, 1)
	go func() { done <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
	testkit.WaitFor(t, testkit.Hang, "the result held", func() bool { return heldResults(t, s) == 1 })
	tr.hold.Store(true)
	<-tr.blocked
	s.handler.Abandon()
	err := <-done
	checkDropped(t, s, err)
	if msg := fmt.Sprint(err); !strings.Contains(msg, "status 503") || strings.Contains(msg, "context canceled") {
		t.Errorf("the dropped result's error %q, want the platform's last answer (503), not the cancellation", msg)
	}
}

// TestIntegrationServeHeldResultDroppedSaidOnce is reviewer r17's
// finding: a result held in memory that the shutdown timeout drops was
// logged twice, the Handler's ERROR, then the daemon's WARN "handling
// failed; the message is kept and handled again", untrue: the message was
// returned to the queue. One ERROR line, the daemon's, now says the result
// is dropped and the message back in the queue, naming the inject.
func TestIntegrationServeHeldResultDroppedSaidOnce(t *testing.T) {
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 1<<20) // never taken
	d, _ := s.daemon(t, broker, queue)
	d.ShutdownTimeout = 50 * time.Millisecond
	r := testkit.Go(t, "Run", d.Run)
	servetest.Publish(t, queue, s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	testkit.WaitFor(t, testkit.Hang, "the result held", func() bool { return heldResults(t, s) == 1 })
	if err := r.Stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 1 {
		t.Errorf("%d messages back in the queue, want 1", ready)
	}
	var said []string
	for _, e := range s.logs.All() {
		if strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "the shutdown stopped the retries") {
			said = append(said, fmt.Sprintf("%v %q %v", e.Level, e.Message, e.ContextMap()["inject_id"]))
		}
	}
	want := fmt.Sprintf("%v %q i-1", zap.ErrorLevel, "shutdown timeout: the inject's result, held in memory and not delivered, is dropped; "+
		"its message goes back to the queue and the inject will run again")
	if len(said) != 1 || said[0] != want {
		t.Errorf("lines with the dropped result's error: %q, want one: %s", said, want)
	}
}

// TestHandlerHeldRetriesSaidOnce: a result held in memory (no outbox)
// whose platform keeps failing its terminal callback is said once, the
// first try's ERROR; the tries after it, within outbox.StillFailingEvery
// of it, are DEBUG lines, not a WARN each (a try a minute for hours:
// issue 14 point 11), and the line that settles it says it was sent.
func TestHandlerHeldRetriesSaidOnce(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 8) // 4 tries of 2 attempts (newServeEnv)
	body := nmapAssetsMessage(t, s.env, "i-1", 2)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("settled with %v, want acknowledged", err)
	}
	checkTakenOnce(t, s.platform, "i-1")
	tries := s.logs.FilterMessageSnippet("terminal callback still not delivered").All()
	if len(tries) < 2 {
		t.Fatalf("%d tries after the first said, want at least 2", len(tries))
	}
	for _, l := range tries {
		if l.Level != zapcore.DebugLevel {
			t.Errorf("try %v said at %s, want DEBUG: the first try's ERROR said it", l.ContextMap()["attempt"], l.Level)
		}
	}
	if n := s.logs.FilterMessageSnippet("terminal callback not delivered and").FilterLevelExact(zapcore.ErrorLevel).Len(); n != 1 {
		t.Errorf("%d ERROR lines for the first try, want 1", n)
	}
	if n := s.logs.FilterMessage("the inject's result sent without storing it; message acknowledged").Len(); n != 1 {
		t.Errorf("%d lines saying the result was sent, want 1", n)
	}
}
