package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// twinTransport answers the first "complete" callback a client sends 503,
// after the twin of its run has completed the inject on the platform
// (twin is called first): the client's retry comes after the twin's
// completion. With cut set, there is no twin: the first "complete" reaches
// the platform, which takes it, and the connection is cut before its
// answer. Every other request goes through.
type twinTransport struct {
	twin  func()
	cut   bool
	fired atomic.Bool
}

func (tt *twinTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/execution/callback/") {
		complete, err := isComplete(r)
		if err != nil {
			return nil, err
		}
		if complete && tt.fired.CompareAndSwap(false, true) {
			if tt.cut {
				resp, err := http.DefaultTransport.RoundTrip(r)
				if err == nil {
					resp.Body.Close()
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
			tt.twin()
			return answer(r, http.StatusServiceUnavailable, `{}`), nil
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestTerminalCallbackOfATwinAsksBeforeEachAttempt: the run of a message
// that may have a twin (redelivered, or its channel closed before its
// acknowledgement) and every resend ask the platform before each attempt
// of the "complete", and every run asks before a retry, so a twin
// completing the inject while the first attempt failed makes the retry
// unnecessary: nothing more is sent, and the platform completes the inject
// once. So does a first attempt the platform took whose answer was lost.
func TestTerminalCallbackOfATwinAsksBeforeEachAttempt(t *testing.T) {
	const token = "twin-token"
	body := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS",` +
		`"execution_action":"complete","execution_duration":0}`)
	alive := func() bool { return false }
	tests := []struct {
		name string
		// post sends body as the code under test does; closed reports
		// true once the twin has completed the inject.
		post func(ctx context.Context, prof *openaev.Profile, closed func() bool) error
		// cut: no twin; the first attempt is taken and its answer lost.
		cut bool
	}{
		{"first delivery, channel alive: the retry asks first", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, alive), "i1", 0, body)
		}, false},
		{"first delivery, no channel reported: the retry asks first", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, nil), "i1", 0, body)
		}, false},
		{"answer lost after the platform took the first attempt: not sent again", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, alive), "i1", 0, body)
		}, true},
		{"redelivered: superseded", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.Redelivered(ctx), "i1", 0, body)
		}, false},
		{"channel closed during the first attempt: superseded", func(ctx context.Context, prof *openaev.Profile, closed func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, closed), "i1", 0, body)
		}, false},
		{"resend: superseded", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			err := openaev.ResendPoster{Profile: prof}.PostBody(ctx, "i1", 0, body)
			if !errors.Is(err, outbox.ErrSuperseded) {
				return fmt.Errorf("resend: %v, want outbox.ErrSuperseded", err)
			}
			return nil
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, twin := receivedInject(t, token, false)
			var lost atomic.Bool
			tr := &twinTransport{cut: tt.cut, twin: func() {
				if err := twin.Callback(context.Background(), "i1", openaev.Execution{Message: "done by the twin",
					Status: openaev.StatusSuccess, Action: openaev.ActionComplete}); err != nil {
					t.Errorf("twin: %v", err)
				}
				lost.Store(true)
			}}
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token}, openaev.WithRetry(2, 0),
				openaev.WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.post(context.Background(), openaev.NewProfile(c, nil, nil), lost.Load); err != nil {
				t.Fatalf("PostBody: %v", err)
			}
			if !tr.fired.Load() {
				t.Fatal("the first attempt was not sent")
			}
			if n := len(p.Completions("i1")); n != 1 {
				t.Errorf("the platform completed the inject %d times, want 1", n)
			}
			if n := p.Reopenings("i1"); n != 0 {
				t.Errorf("%d reopenings, want 0", n)
			}
		})
	}
}

// earlyReception answers the second reception of an inject itself, as the
// platform answered it while the first run was still going: it does not
// reach the stand-in, which would reopen the inject the first run has
// completed since.
type earlyReception struct{ n atomic.Int32 }

func (e *earlyReception) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/execution/reception/") && e.n.Add(1) == 2 {
		return answer(r, http.StatusOK, `{"inject_status":{"status_name":"PENDING"}}`), nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestDuplicateRunSignaturesReachThePlatform runs an inject twice (its
// message redelivered while the first run went on): the run that finishes
// second finds the inject finished, and its "complete" is not sent,
// whether at its own delivery or when a flush resends it from the
// outbox. Both paths report the second run alike: the signatures its
// "complete" carried reach the platform as a "data" callback, beside the
// first run's, and the inject is completed once.
func TestDuplicateRunSignaturesReachThePlatform(t *testing.T) {
	const id = "i-dup"
	tests := []struct {
		name string
		// flush: the first run's complete is kept in the outbox, the
		// second run completes the inject, then a flush resends the
		// first's; otherwise the first run completes it and the second,
		// redelivered, finds it finished at its own delivery.
		flush bool
	}{
		{"complete skipped at the run's delivery", false},
		{"stored complete skipped at a flush", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
				httpClient: &http.Client{Transport: &earlyReception{}}})
			s.register(t)
			ctx := context.Background()
			msg := nmapAssetsMessage(t, s.env, id, 3)
			if tt.flush {
				s.platform.FailComplete(id, http.StatusServiceUnavailable, 1<<30)
				_ = s.proc.Process(ctx, msg) // kept in the outbox
				s.platform.FailComplete(id, 0, 0)
			}
			if err := s.proc.Process(ctx, msg); err != nil {
				t.Fatal(err)
			}
			one := stored(s.platform, id) // the signatures of the run that completed the inject
			if len(one) == 0 {
				t.Fatal("the run that completed the inject sent no signatures")
			}
			n := len(s.platform.Calls(id))
			if tt.flush {
				rs := s.resender()
				if _, err := rs.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			} else if err := s.proc.Process(openaev.Redelivered(ctx), msg); err != nil {
				t.Fatal(err)
			}
			// The second run's are the first's: the platform takes them and
			// stores each once (openaevtest, rule 5), the rest repeats.
			if got, want := sortedUnion(stored(s.platform, id), repeatedSince(s.platform, id, n)), sortedUnion(one, one); !slices.Equal(got, want) {
				t.Errorf("the platform took %d signatures, want %d: both runs'\nmissing: %v", len(got), len(want), missing(want, got))
			}
			if got := stored(s.platform, id); !slices.Equal(got, one) {
				t.Errorf("the platform holds %d signatures, want the %d of the run, each once", len(got), len(one))
			}
			if n := len(s.platform.Completions(id)); n != 1 {
				t.Errorf("the inject was completed %d times, want once", n)
			}
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v, want empty", got)
			}
		})
	}
}

// TestRedeliveredWhileRunningWaitsForTheRun: the broker delivers a message
// again when the channel of its run closes, maybe to the same process,
// whose run goes on. That redelivery does not run the inject a second time:
// it waits for the run in flight and ends with its outcome, so the platform
// sees one run and at most one completion. The serve Handler logs only
// that wait, never that it runs the inject.
func TestRedeliveredWhileRunningWaitsForTheRun(t *testing.T) {
	tests := []struct {
		name           string
		failComplete   int // 503s for the run's "complete" (4 exhaust its attempts)
		wantErr        error
		wantCompletion int
	}{
		{"the run delivers: the redelivery is done", 0, nil, 1},
		{"the run's callback fails: the redelivery fails alike", 4, openaev.ErrRetriesExhausted, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.nmap.block = true // runs until its context ends
			body := e.message(t, "i-twin", "nmap", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
			if tt.failComplete > 0 {
				e.platform.FailComplete("i-twin", http.StatusServiceUnavailable, tt.failComplete)
			}
			runCtx, stopRun := context.WithCancel(context.Background())
			defer stopRun()
			first := make(chan error, 1)
			go func() { first <- e.proc.Process(runCtx, body) }()
			testkit.WaitFor(t, testkit.Hang, "the first run executing", func() bool { return e.nmap.calls.Load() == 1 })

			h := openaev.NewHandler(openaev.HandlerConfig{Processor: e.proc, Log: e.log})
			second := e.waitingCopy(t, h, serve.Delivery{Body: body, Redelivered: true})
			stopRun() // the run ends, reported as timed out

			errFirst, errSecond := <-first, <-second
			if !errors.Is(errFirst, tt.wantErr) || tt.wantErr == nil && errFirst != nil {
				t.Errorf("first run: %v, want %v", errFirst, tt.wantErr)
			}
			if errSecond != errFirst {
				t.Errorf("redelivery: %v, want the run's outcome %v", errSecond, errFirst)
			}
			if n := e.nmap.calls.Load(); n != 1 {
				t.Errorf("the inject ran %d times, want 1", n)
			}
			if running := e.logs.FilterMessageSnippet("running it"); running.Len() != 0 {
				t.Errorf("the redelivery that waited logged %q", running.All()[0].Message)
			}
			if n := len(e.platform.Completions("i-twin")); n != tt.wantCompletion {
				t.Errorf("%d completions, want %d", n, tt.wantCompletion)
			}
		})
	}
}

// TestSecondCopyWaitsForTheFirst is tester t62's case, as tester t99's
// finding 1 settles it: two deliveries of one inject, neither with the
// broker's redelivered flag, reach one daemon at once. RabbitMQ may leave
// the flag unset on a copy it sends again (AMQP 0-9-1: a client must not
// rely on it), so a message of an inject whose handling is in flight here
// is one sent again: the second waits for the first's handling and takes
// its outcome, the inject run once, the platform seeing one reception and
// one complete; nothing says the inject runs again.
func TestSecondCopyWaitsForTheFirst(t *testing.T) {
	for _, outboxed := range []bool{false, true} {
		t.Run(map[bool]string{false: "no outbox", true: "outbox"}[outboxed], func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: outboxed})
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			started, release := s.nmap.holdNextRun()
			first := make(chan error, 1)
			go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
			<-started
			second := s.waitingCopy(t, s.handler, serve.Delivery{Body: body})
			release()
			if err := <-first; err != nil {
				t.Errorf("first copy: %v", err)
			}
			if err := <-second; err != nil {
				t.Errorf("second copy: %v", err)
			}
			var kinds []string
			for _, c := range s.platform.Calls("i-1") {
				if c.Kind == openaevtest.KindReception || c.Kind == openaevtest.KindComplete {
					kinds = append(kinds, c.Kind)
				}
			}
			want := []string{openaevtest.KindReception, openaevtest.KindComplete}
			if !slices.Equal(kinds, want) {
				t.Errorf("platform got %v, want %v: one run", kinds, want)
			}
			if n := s.nmap.calls.Load(); n != 1 {
				t.Errorf("nmap ran %d times, want 1", n)
			}
			noneDropped(t, s.platform)
			if st := s.platform.InjectStatus("i-1"); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if lines := s.logs.FilterMessageSnippet("running it"); lines.Len() != 0 {
				t.Errorf("line %q: the copy runs nothing", lines.All()[0].Message)
			}
		})
	}
}
