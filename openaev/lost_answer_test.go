package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestLostCompleteAnswerStoresOnce is tester t76's case: the platform takes
// a "complete", then its answer is lost (a gateway's 504). Before the retry
// the run finds the inject finished, and its COMPLETE trace carrying this
// run's mark: the complete was this one, delivered, and nothing more is
// sent; the platform holds each signature once. So for `injectkit run`
// (the processor), `outbox flush` of a stored complete taken earlier, and
// serve's resender whose resent complete has its answer lost. A stored
// complete without a mark (an older injectkit's) cannot be told from
// another run's: its signatures go as data, said at WARN, sent twice (stored once).
func TestLostCompleteAnswerStoresOnce(t *testing.T) {
	const id, targets = "i-lost", 2
	tests := []struct {
		name   string
		outbox bool
		// deliver brings the complete to the platform with its answer
		// lost, then delivers the run as the path does.
		deliver func(t *testing.T, s *serveEnv, msg []byte)
		twice   bool // each signature sent twice (the platform cannot tell; it stores it once)
		said    string
	}{
		{"run", false, func(t *testing.T, s *serveEnv, msg []byte) {
			s.platform.LoseCompleteAnswer(id, http.StatusGatewayTimeout, 1)
			if err := s.proc.Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
		}, false, "took this complete"},
		{"outbox flush of a stored complete taken", true, func(t *testing.T, s *serveEnv, msg []byte) {
			keep(t, s, msg)
			s.postStoredComplete(t, id) // its answer lost: still stored
			flush(t, s)
		}, false, ""},
		{"serve's resender, the resent complete's answer lost", true, func(t *testing.T, s *serveEnv, msg []byte) {
			keep(t, s, msg)
			s.platform.LoseCompleteAnswer(id, http.StatusGatewayTimeout, 1)
			flush(t, s)
		}, false, ""},
		{"stored complete without a run mark", true, func(t *testing.T, s *serveEnv, msg []byte) {
			keep(t, s, msg)
			body := storedComplete(t, s, id)
			var e openaev.Execution
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			e.Message = openaevtest.Unmarked(e.Message)
			if err := s.client.Callback(context.Background(), id, e); err != nil {
				t.Fatal(err)
			}
			unmarked, _ := json.Marshal(e)
			err := openaev.ResendPoster{Profile: s.profile}.PostBody(context.Background(), id, 0, unmarked)
			if !errors.Is(err, outbox.ErrSupersededSent) {
				t.Fatalf("resend: %v, want its signatures sent as data", err)
			}
		}, true, "may be stored twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: tt.outbox})
			s.register(t)
			msg := nmapAssetsMessage(t, s.env, id, targets)
			tt.deliver(t, s, msg)
			completed, repeated := 0, 0 // answered or not
			for _, c := range s.platform.Calls(id) {
				if c.Kind == openaevtest.KindComplete && c.Outcome == openaevtest.Processed {
					completed++
				}
				repeated += len(c.SignaturesRepeated)
			}
			if completed != 1 {
				t.Errorf("the inject was completed %d times, want once", completed)
			}
			// The platform stores each signature of an expectation once
			// (openaevtest, rule 5: the de-duplicated union); what was
			// sent twice shows as repeats.
			copies := 1
			if tt.twice {
				copies = 2
			}
			if want := (copies - 1) * 4 * targets * 2; repeated != want {
				t.Errorf("%d signatures sent again to expectations holding them, want %d", repeated, want)
			}
			for _, typ := range []string{"DETECTION", "PREVENTION"} {
				sigs := s.platform.Signatures(id)[typ]
				seen := map[openaevtest.Signature]int{}
				for _, sig := range sigs {
					seen[sig]++
				}
				// 4 per target: source, target, start and end.
				if len(seen) != 4*targets || len(sigs) != 4*targets {
					t.Errorf("the platform holds %d %s signatures, %d distinct; want %d, each once",
						len(sigs), typ, len(seen), 4*targets)
				}
			}
			if warned := s.logs.FilterMessageSnippet("may be stored twice").Len(); warned != 0 != tt.twice {
				t.Errorf("%d WARN lines saying the signatures may be stored twice", warned)
			}
			if tt.said != "" && s.logs.FilterMessageSnippet(tt.said).Len() != 1 {
				t.Errorf("no log line %q", tt.said)
			}
			if tt.outbox && !tt.twice {
				if got := s.records(t); len(got) != 0 {
					t.Errorf("outbox %v, want empty", got)
				}
			}
		})
	}
}

// keep runs msg with every "complete" failing: its bodies stay in the
// outbox; then the platform takes callbacks again.
func keep(t *testing.T, s *serveEnv, msg []byte) {
	t.Helper()
	s.platform.FailComplete("i-lost", http.StatusServiceUnavailable, 1<<30)
	_ = s.proc.Process(context.Background(), msg)
	if n := s.records(t)[outbox.Pending]; n == 0 {
		t.Fatal("nothing kept in the outbox")
	}
	s.platform.FailComplete("i-lost", 0, 0)
}

// flush resends the outbox as serve's resender and `outbox flush` do.
func flush(t *testing.T, s *serveEnv) {
	t.Helper()
	// Every body is delivered: the complete too, taken by the platform.
	want := outbox.FlushResult{Delivered: s.records(t)[outbox.Pending]}
	rs := s.resender()
	if res, err := rs.Flush(context.Background()); err != nil || res != want {
		t.Errorf("flush: %+v, %v; want %+v", res, err, want)
	}
}

// TestUnstoredRetryKnowsItsComplete is reviewer r8's case: serve's outbox
// sent a result's "complete", which the platform took, its answer lost,
// then failed to store the rest (full: another process filled it between
// two of its transactions; here the send's failure is played, the
// platform and the outbox are real). The result, kept in memory, is sent again
// (stored when the outbox has room again, or not): its "complete" asks
// the platform first and finds its own run's mark in the inject's traces,
// so nothing more is sent: the inject completed once, each signature
// stored once.
func TestUnstoredRetryKnowsItsComplete(t *testing.T) {
	const id = "i-lost"
	for _, full := range []bool{false, true} {
		name := "room again"
		if full {
			name = "still full"
		}
		t.Run(name, func(t *testing.T) {
			var s *serveEnv
			s = newServeEnv(t, serveOpts{version: openaevtest.Current, outbox: true, outboxMax: 64 << 10,
				deliverer: func(d *outbox.Deliverer) runtime.Deliverer { return sentThenFull{d, func() *serveEnv { return s }} }})
			if full {
				s.nmap.during = func() { s.fillOutbox(t) }
			}
			msg := nmapAssetsMessage(t, s.env, id, 2)
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}); err != nil {
				t.Fatalf("settled with %v, want acknowledged", err)
			}
			checkTakenOnce(t, s.platform, id)
			if n := s.logs.FilterMessageSnippet("may be stored twice").Len(); n != 0 {
				t.Errorf("%d WARN lines saying the signatures may be stored twice, want none", n)
			}
		})
	}
}

// sentThenFull is serve's outbox whose send posts the "complete", taken
// by the platform with its answer lost, then fails to store the result:
// the outbox full by then.
type sentThenFull struct {
	*outbox.Deliverer
	env func() *serveEnv
}

func (d sentThenFull) Deliver(ctx context.Context, r *runtime.Report) error {
	b, err := d.Profile.Bodies(ctx, r)
	if err != nil {
		return err
	}
	if b.Before != nil {
		b.Before(ctx) // the per-target traces
	}
	for e := range b.Seq {
		s := d.env()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.platform.URL+"/api/injects/execution/callback/"+r.InjectID,
			bytes.NewReader(e.Body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close() // the answer, lost
		break
	}
	return &outbox.UnstoredError{Total: b.N, Err: &outbox.FullError{Path: d.Store.Path(), Max: d.Store.MaxBytes(), Need: b.Size}}
}

// TestRunMarkIsTheLastToken is reviewer r8's case: a run mark in the
// injector's text (here its failure's message) is not the run's, which
// ends the message, after any note. A twin run whose message holds the
// same text completed the inject: the stored "complete" resent is
// superseded, its signatures sent as data, not taken for delivered (and
// lost) because both messages hold "[run deadbeef]".
func TestRunMarkIsTheLastToken(t *testing.T) {
	const id = "i-lost"
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true})
	s.register(t)
	s.nmap.fail = "the scanner said [run deadbeef]"
	keep(t, s, nmapAssetsMessage(t, s.env, id, 2))
	body := storedComplete(t, s, id)
	var own openaev.Execution
	if err := json.Unmarshal(body, &own); err != nil {
		t.Fatal(err)
	}
	if !openaevtest.Marked(own.Message) || !strings.Contains(openaevtest.Unmarked(own.Message), "[run deadbeef]") {
		t.Fatalf("stored complete's message %q: want the injector's text, then the run's mark", own.Message)
	}
	twin := own
	twin.Message = openaevtest.Unmarked(own.Message) + " [run 0badf00d]"
	if err := s.client.Callback(context.Background(), id, twin); err != nil {
		t.Fatal(err)
	}
	err := openaev.ResendPoster{Profile: s.profile}.PostBody(context.Background(), id, 0, body)
	if !errors.Is(err, outbox.ErrSupersededSent) {
		t.Fatalf("resend: %v, want the twin's complete seen as another run's, its signatures sent as data", err)
	}
}

// TestRunMarkEndsANotedMessage: the note on what a "complete" leaves out
// (a finding too large) goes before the run mark, which ends the message.
func TestRunMarkEndsANotedMessage(t *testing.T) {
	s := newServeEnv(t, serveOpts{limit: openaev.MinMaxPayloadSize})
	s.nmap.service = strings.Repeat("x", 2*openaev.MinMaxPayloadSize) // a finding too large for any body
	if err := s.proc.Process(context.Background(), s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)); err != nil {
		t.Fatal(err)
	}
	c := s.platform.Completions("i-1")
	if len(c) != 1 {
		t.Fatalf("%d completions, want 1", len(c))
	}
	msg, _ := c[0].Body["execution_message"].(string)
	if !openaevtest.Marked(msg) || !strings.HasSuffix(openaevtest.Unmarked(msg), "too large to send") {
		t.Errorf("message %q: want the note on the finding left out, then the run mark", msg)
	}
}

// TestNoTracesCannotTell is reviewer r8's case: a finished inject whose
// status_traces is an empty list (a user set its status by hand: the
// platform replaced the status and its traces) does not say whose
// "complete" finished it. A stored "complete" resent has its signatures
// sent as data after the WARN that they may be stored twice.
func TestNoTracesCannotTell(t *testing.T) {
	const id = "i-lost"
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true})
	s.register(t)
	keep(t, s, nmapAssetsMessage(t, s.env, id, 2))
	s.platform.SetInjectStatus(id, "SUCCESS")
	err := openaev.ResendPoster{Profile: s.profile}.PostBody(context.Background(), id, 0, storedComplete(t, s, id))
	if !errors.Is(err, outbox.ErrSupersededSent) {
		t.Fatalf("resend: %v, want its signatures sent as data", err)
	}
	if n := s.logs.FilterMessageSnippet("may be stored twice").Len(); n != 1 {
		t.Errorf("%d WARN lines saying the signatures may be stored twice, want 1", n)
	}
}

// A "data" callback the platform took but whose answer was lost (the
// connection cut after it) is sent again, and the platform stores its
// signatures twice: the delivery ends with one WARN naming that body
// and the signature targets it carries; so does one a gateway answered
// 502 or 504 (the platform behind it may have taken it). A "data"
// callback answered 503 (not taken) and sent again says nothing.
func TestDataCallbackLostAnswerWarns(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, forward http.Handler) // the second data callback's first attempt
		warned bool
	}{
		{"answer lost after the platform took it", testkit.LoseAnswer, true},
		// r13 finding 3: a gateway's 502 or 504 says the platform behind
		// it did not answer, not that it did not take the body.
		{"platform took it, the gateway in front answered 504", func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
			forward.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusGatewayTimeout)
		}, true},
		{"platform took it, the gateway in front answered 502", func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
			forward.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusBadGateway)
		}, true},
		{"answered 503, not taken", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-data"
			e := newEnv(t)
			// The first data callback passes, the second's first attempt
			// gets the answer; its retry, and every other call, passes.
			var data atomic.Int32
			proxy := testkit.FaultProxy(t, e.platform.URL, 2, []byte(`"execution_action":"data"`),
				func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
					if data.Add(1) == 1 {
						forward.ServeHTTP(w, r)
						return
					}
					tt.answer(w, r, forward)
				})
			e.throughProxy(t, proxy.URL)
			e.profile = openaev.NewProfile(e.client, testManifests(), e.log, openaev.WithMaxPayloadSize(4096))
			e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log), e.profile)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, id, 60)); err != nil {
				t.Fatal(err)
			}
			var bodies int
			for _, c := range e.platform.Calls(id) {
				if c.Kind == openaevtest.KindData && c.Processed() {
					bodies++
				}
			}
			if bodies < 3 {
				t.Fatalf("%d data callbacks processed, want the second repeated among 3 or more", bodies)
			}
			warns := e.logs.FilterMessageSnippet("may have stored its signatures twice").All()
			if !tt.warned {
				if len(warns) != 0 {
					t.Errorf("%d WARN lines saying a data callback may be stored twice, want none", len(warns))
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines saying a data callback may be stored twice, want 1", len(warns))
			}
			f := warns[0].ContextMap()
			if f["inject_id"] != id || f["index"] != int64(2) || f["unanswered"] != int64(1) || f["signature_targets"].(int64) < 1 {
				t.Errorf("WARN fields %v", f)
			}
		})
	}
}
