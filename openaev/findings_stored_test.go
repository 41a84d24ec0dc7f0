package openaev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The platform stores each finding of an inject once (rule 14 of
// openaevtest): a "complete" repeating one it holds is dropped whole, the
// inject left PENDING. These tests assert what the platform made of the
// "complete" that may repeat them: processed, the inject finished, every
// finding stored once.

// TestRerunLeavesOutStoredFindings: an inject run again after it finished
// (Processor.Reopened, --rerun-finished) sends only the findings its
// earlier run did not store, and the platform processes its "complete".
func TestRerunLeavesOutStoredFindings(t *testing.T) {
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, legacy := range []bool{false, true} {
			name := v.String()
			if legacy {
				name += "/legacy"
			}
			t.Run(name, func(t *testing.T) {
				const id = "inj-rerun"
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVariant(v, legacy)})
				e.register(t)
				e.nmap.open = map[string][]int{"192.0.2.1": {22}}
				body := e.message(t, id, "nmap", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
				if err := e.proc.Process(context.Background(), body); err != nil {
					t.Fatal(err)
				}
				first := e.platform.StoredFindings(id)
				if len(first) == 0 || !openaev.Finished(e.platform.InjectStatus(id)) {
					t.Fatalf("first run: findings %v, inject %s", first, e.platform.InjectStatus(id))
				}
				// The run again finds port 22 again, and 80.
				e.nmap.open = map[string][]int{"192.0.2.1": {22, 80}}
				e.proc.Reopened(id)
				if err := e.proc.Process(context.Background(), body); err != nil {
					t.Fatal(err)
				}
				if d := e.platform.Dropped(); len(d) > 0 {
					t.Fatalf("the platform dropped %s: %s", d[0].Kind, d[0].Reason)
				}
				if n := len(e.platform.Completions(id)); n != 2 {
					t.Errorf("%d completes processed, want 2", n)
				}
				if st := e.platform.InjectStatus(id); !openaev.Finished(st) {
					t.Errorf("inject %s after the run again, want a final status", st)
				}
				stored := e.platform.StoredFindings(id)
				if !slices.EqualFunc(stored[:len(first)], first, sameFinding) || len(stored) == len(first) {
					t.Errorf("stored findings %v, want %v and the new port's", stored, first)
				}
				if logged := e.logs.FilterMessage("findings left out: the platform already stores them for this inject").All(); len(logged) != 1 ||
					logged[0].ContextMap()["findings"] != int64(len(first)) {
					t.Errorf("logged %v, want one line counting %d findings", logged, len(first))
				}
			})
		}
	}
}

// TestLostCompleteStatusUnreadable is tester t83's finding 2: a
// "complete" the platform took, its answer lost, is retried, and the
// inject's status, which would say it was taken (its run mark), cannot be
// read. Unreadable for a while (a 503), the complete is not sent again: the
// run fails its delivery (an outbox keeps the body), and the resend, once
// the status reads, finds it taken and sends nothing. Refused for good (a
// 403), it never will: the complete is sent again after a WARN that it may
// be stored twice, leaving out the findings the first stored, and the
// platform processes it.
func TestLostCompleteStatusUnreadable(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		delivered bool // the run's delivery succeeded
		completes int  // processed by the platform in the end
		warn      bool
	}{
		{name: "503: not sent again, the resend finds it taken", status: http.StatusServiceUnavailable, completes: 1},
		{name: "403: sent again after a WARN, without the findings stored", status: http.StatusForbidden, delivered: true,
			completes: 2, warn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-lost"
			e := newEnv(t)
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.1": {22, 80}}
			body := e.message(t, id, "nmap", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
			e.platform.LoseCompleteAnswer(id, http.StatusBadGateway, 1)
			// The status read before the second attempt fails, every try of it.
			e.platform.FailInjectRead(id, tt.status, 99)
			err := e.proc.Process(context.Background(), body)
			if (err == nil) != tt.delivered {
				t.Fatalf("run: %v, want delivered %v", err, tt.delivered)
			}
			var taken openaevtest.Call
			for _, c := range e.platform.Calls(id) {
				if c.Kind == openaevtest.KindComplete && taken.Raw == nil {
					taken = c
				}
			}
			if taken.Outcome != openaevtest.Processed {
				t.Fatalf("first complete %s (%s), want processed, its answer lost", taken.Outcome, taken.Reason)
			}
			if !tt.delivered {
				e.platform.FailInjectRead(id, 0, 0) // the status reads again
				if err := (openaev.ResendPoster{Profile: e.profile}).PostBody(context.Background(), id, 0, taken.Raw); err != nil {
					t.Errorf("resend once the status reads: %v, want delivered (taken already)", err)
				}
			}
			completes := 0
			for _, call := range e.platform.Calls(id) {
				if call.Kind != openaevtest.KindComplete {
					continue
				}
				completes++
				if call.Outcome != openaevtest.Processed {
					t.Errorf("complete %d %s: %s", completes, call.Outcome, call.Reason)
				}
			}
			if completes != tt.completes {
				t.Errorf("%d completes reached the platform, want %d", completes, tt.completes)
			}
			if st := e.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if n := len(e.platform.StoredFindings(id)); n != 4 {
				t.Errorf("%d findings stored, want 4 (2 rows, 2 ports)", n)
			}
			if n := e.logs.FilterMessageSnippet("may be stored twice").Len(); (n == 1) != tt.warn || n > 1 {
				t.Errorf("%d WARN lines saying it may be stored twice, want one: %v", n, tt.warn)
			}
		})
	}
}

// TestFlushedCopyLeavesOutStoredFindings: a stored "complete" resent by
// an outbox (flush, retry-dead, serve's resender) after the platform took
// a copy of it, while the inject is PENDING again (a run again received
// meanwhile), leaves out the findings the copy stored: the platform
// processes it.
func TestFlushedCopyLeavesOutStoredFindings(t *testing.T) {
	const id = "inj-copy"
	e := newEnv(t)
	e.register(t)
	body := e.message(t, id, "noop", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	taken, ok := e.platform.Terminal(id)
	if !ok || !taken.Processed() || len(e.platform.StoredFindings(id)) != 1 {
		t.Fatalf("first complete: %+v, findings %v", taken.Outcome, e.platform.StoredFindings(id))
	}
	if _, err := e.client.Reception(context.Background(), id); err != nil { // reopened: PENDING
		t.Fatal(err)
	}
	err := openaev.ResendPoster{Profile: e.profile}.PostBody(context.Background(), id, 0, taken.Raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.platform.Dropped() {
		t.Errorf("the platform dropped the copy: %s", c.Reason)
	}
	if n := len(e.platform.Completions(id)); n != 2 {
		t.Errorf("%d completes processed, want 2", n)
	}
	if st := e.platform.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject %s after the resend, want a final status", st)
	}
	if n := len(e.platform.StoredFindings(id)); n != 1 {
		t.Errorf("%d findings stored, want noop's summary once", n)
	}
}

// throughProxy makes e's client reach the platform through the proxy at
// url (retrying fast), then builds and registers the processor anew.
func (e *env) throughProxy(t *testing.T, url string) {
	t.Helper()
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: testToken, InjectorID: testInjectorID,
		InjectorName: "InjectKit", InjectorType: "injectkit"}, openaev.WithLogger(e.log), openaev.WithRetry(4, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	e.build(testManifests())
	e.register(t)
}

// TestRerunFindingsUnreadable: the "complete" of an inject run again
// (Processor.Reopened, --rerun-finished) whose stored findings cannot be
// read. A failure worth a later try (a 5xx, a 429) keeps it in the outbox,
// not sent; a flush while the search still fails keeps it again, and one
// once it works delivers it, without the findings stored. A refusal for
// good (a platform without the route, a 403) sends it at once without its
// findings. Either way the platform processes it: nothing is dropped, the
// inject finishes, every finding is stored once.
func TestRerunFindingsUnreadable(t *testing.T) {
	tests := []struct {
		name   string
		status int
		// kept: the complete stays pending in the outbox until the search
		// works.
		kept bool
	}{
		{"5xx: kept pending", http.StatusInternalServerError, true},
		{"429: kept pending", http.StatusTooManyRequests, true},
		{"no route (404): sent without its findings", http.StatusNotFound, false},
		{"denied (403): sent without its findings", http.StatusForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-unread"
			s := newServeEnv(t, serveOpts{version: openaevtest.Version24, injectors: "nmap, noop", outbox: true})
			ctx := context.Background()
			msg := s.message(t, id, "noop", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
			if err := s.proc.Process(ctx, msg); err != nil {
				t.Fatal(err)
			}
			first := s.platform.StoredFindings(id)
			if len(first) == 0 || !openaev.Finished(s.platform.InjectStatus(id)) {
				t.Fatalf("first run: findings %v, inject %s", first, s.platform.InjectStatus(id))
			}
			s.platform.FailFindings(id, tt.status, 1<<30)
			s.proc.Reopened(id)
			_ = s.proc.Process(ctx, msg) // kept in the outbox, or delivered

			dropped := func(when string) {
				t.Helper()
				for _, c := range s.platform.Dropped() {
					t.Errorf("%s: the platform dropped a %s: %s", when, c.Kind, c.Reason)
				}
			}
			dropped("after the run")
			if len(s.platform.CallsOf(openaevtest.KindFindings)) == 0 {
				t.Fatal("the stored findings were never searched")
			}
			rs := s.resender()
			if tt.kept {
				pending := s.records(t)[outbox.Pending]
				if pending == 0 || len(s.platform.Completions(id)) != 1 {
					t.Fatalf("outbox %v, %d completes processed: want the run's complete pending, not sent",
						s.records(t), len(s.platform.Completions(id)))
				}
				if st := s.platform.InjectStatus(id); openaev.Finished(st) {
					t.Errorf("inject %s while its complete is pending", st)
				}
				res, err := rs.Flush(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Delivered != 0 || s.records(t)[outbox.Pending] != pending {
					t.Errorf("flush while the search fails: %+v, outbox %v; want all %d kept", res, s.records(t), pending)
				}
				dropped("after a flush while the search fails")
				s.platform.FailFindings(id, 0, 0)
				if res, err := rs.Flush(ctx); err != nil || res.Delivered != pending {
					t.Errorf("flush once the search works: %+v, %v; want %d delivered", res, err, pending)
				}
				dropped("after the flush")
			} else {
				warned := s.logs.FilterMessage("the inject's stored findings cannot be read from the platform; " +
					"sending the complete without its findings (one it already stores would have the callback dropped)").All()
				if len(warned) != 1 || warned[0].ContextMap()["findings"] != int64(len(first)) {
					t.Errorf("logged %v, want one WARN counting %d findings", warned, len(first))
				}
			}
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v at the end, want empty", got)
			}
			if n := len(s.platform.Completions(id)); n != 2 {
				t.Errorf("%d completes processed, want 2", n)
			}
			if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if got := s.platform.StoredFindings(id); !slices.EqualFunc(got, first, sameFinding) {
				t.Errorf("stored findings %v, want the first run's %v once", got, first)
			}
		})
	}
}

// sameFinding reports whether two stored findings are alike, their assets
// included.
func sameFinding(a, b openaevtest.FindingRow) bool { return reflect.DeepEqual(a, b) }

// TestRedeliveredRunLeavesOutStoredFindings: two runs of one inject (a
// kill -9 while the first run's "complete" was in flight, the message
// redelivered). The platform processes the first copy after the
// redelivered run read the inject's status (PENDING) but before that
// run's "complete": the redelivered run reads the stored findings before
// its first attempt, leaves the copy's out, and the platform processes its
// "complete" rather than dropping it as a repeated finding.
func TestRedeliveredRunLeavesOutStoredFindings(t *testing.T) {
	const id = "inj-redelivered"
	e := newEnv(t)
	var mu sync.Mutex
	var held *http.Request // the first run's "complete", in flight
	// The redelivered run, the status read, reads the stored findings:
	// the first copy reaches the platform just before.
	replay := testkit.FaultProxy(t, e.platform.URL, 1, []byte(`"finding_field"`),
		func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
			mu.Lock()
			first := held
			mu.Unlock()
			if first != nil {
				forward.ServeHTTP(httptest.NewRecorder(), first)
			}
			forward.ServeHTTP(w, r)
		})
	// In flight when the process died: the platform has not processed it
	// yet, and the run never learns of it.
	proxy := testkit.FaultProxy(t, replay.URL, 1, []byte(`"execution_action":"complete"`),
		func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			b, _ := io.ReadAll(r.Body)
			first := r.Clone(context.Background())
			first.Body = io.NopCloser(bytes.NewReader(b))
			mu.Lock()
			held = first
			mu.Unlock()
			w.WriteHeader(http.StatusOK)
		})
	e.throughProxy(t, proxy.URL)
	body := e.message(t, id, "noop", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
	ctx := context.Background()
	if err := e.proc.Process(ctx, body); err != nil {
		t.Fatal(err)
	}
	if n := len(e.platform.StoredFindings(id)); n != 0 {
		t.Fatalf("%d findings stored before the first copy was processed", n)
	}
	if err := e.proc.Process(openaev.Redelivered(ctx), body); err != nil {
		t.Fatal(err)
	}
	var completes []openaevtest.Call
	for _, call := range e.platform.Calls(id) {
		if call.Kind == openaevtest.KindComplete {
			completes = append(completes, call)
		}
	}
	if len(completes) != 2 {
		t.Fatalf("%d completes reached the platform, want 2 (the first run's copy, the redelivered run's)", len(completes))
	}
	for i, call := range completes {
		if !call.Processed() {
			t.Errorf("complete %d %s: %s", i+1, call.Outcome, call.Reason)
		}
	}
	if st := e.platform.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject %s, want a final status", st)
	}
	if n := len(e.platform.StoredFindings(id)); n != 1 {
		t.Errorf("%d findings stored, want noop's summary once", n)
	}
}
