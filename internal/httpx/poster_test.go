package httpx

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const token = `tok-Zq81"<&>/x y`

func TestPosterDo(t *testing.T) {
	retryAfter := func(status int, v string) recorder.Reply {
		return recorder.Reply{Status: status, Header: http.Header{"Retry-After": {v}}}
	}
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	conflictToo := func(status int, op string) bool {
		return status == http.StatusConflict && op == "complete" || RetryableStatus(status, op)
	}
	tests := []struct {
		name      string
		steps     []recorder.Reply
		op        string
		retryable func(int, string) bool
		minWait   time.Duration
		attempts  int // requests wanted
		waits     []time.Duration
		wantErr   error // nil: success; else errors.Is target, or errOther
		status    int   // of the *HTTPError
	}{
		{name: "success at once", attempts: 1},
		{name: "500 retried", steps: recorder.Repeat(1, 500, ""), attempts: 2, waits: ms(1000)},
		{name: "502 then 504 retried", steps: []recorder.Reply{{Status: 502}, {Status: 504}}, attempts: 3, waits: ms(1000, 2000)},
		{name: "408 retried", steps: recorder.Repeat(1, 408, ""), attempts: 2, waits: ms(1000)},
		{name: "429 retried", steps: recorder.Repeat(1, 429, ""), attempts: 2, waits: ms(1000)},
		{name: "5xx exhausted", steps: recorder.Repeat(4, 503, "down"), attempts: 4, waits: ms(1000, 2000, 4000),
			wantErr: ErrRetriesExhausted, status: 503},
		{name: "Retry-After seconds on 429", steps: []recorder.Reply{retryAfter(429, "7")}, attempts: 2, waits: ms(7000)},
		{name: "Retry-After seconds on 503", steps: []recorder.Reply{retryAfter(503, " 3 ")}, attempts: 2, waits: ms(3000)},
		{name: "Retry-After capped", steps: []recorder.Reply{retryAfter(429, "120")}, attempts: 2, waits: ms(50_000)},
		{name: "Retry-After HTTP-date capped", steps: []recorder.Reply{retryAfter(503, future)}, attempts: 2, waits: ms(50_000)},
		// t67: a date past is no retry at once, but the backoff step.
		{name: "Retry-After HTTP-date past", steps: []recorder.Reply{retryAfter(429, past)}, attempts: 2, waits: ms(1000)},
		{name: "Retry-After HTTP-date past, second retry", steps: []recorder.Reply{retryAfter(503, past), retryAfter(503, past)},
			attempts: 3, waits: ms(1000, 2000)},
		// h78: 0 asks for no wait, as a date past: the backoff step, never a retry at once.
		{name: "Retry-After zero", steps: []recorder.Reply{retryAfter(503, "0")}, attempts: 2, waits: ms(1000)},
		{name: "Retry-After zero, second retry", steps: []recorder.Reply{retryAfter(429, "0"), retryAfter(503, "0")},
			attempts: 3, waits: ms(1000, 2000)},
		{name: "Retry-After zero raised to MinWait", steps: []recorder.Reply{retryAfter(429, "0")}, minWait: time.Second,
			attempts: 2, waits: ms(1000)},
		{name: "Retry-After past raised to MinWait", steps: []recorder.Reply{retryAfter(429, past)}, minWait: 1500 * time.Millisecond,
			attempts: 2, waits: ms(1500)},
		{name: "Retry-After above MinWait", steps: []recorder.Reply{retryAfter(429, "3")}, minWait: time.Second,
			attempts: 2, waits: ms(3000)},
		{name: "backoff below MinWait", steps: []recorder.Reply{{Status: 502}, {Status: 504}}, minWait: 1500 * time.Millisecond,
			attempts: 3, waits: ms(1500, 2000)},
		{name: "Retry-After garbage", steps: []recorder.Reply{retryAfter(503, "soon")}, attempts: 2, waits: ms(1000)},
		{name: "Retry-After ignored on 500", steps: []recorder.Reply{retryAfter(500, "9")}, attempts: 2, waits: ms(1000)},
		{name: "Retry-After on every retry", steps: []recorder.Reply{retryAfter(429, "1"), retryAfter(429, "1"), retryAfter(429, "1"), retryAfter(429, "1")},
			attempts: 4, waits: ms(1000, 1000, 1000), wantErr: ErrRetriesExhausted, status: 429},
		{name: "400 permanent", steps: recorder.Repeat(1, 400, "bad"), attempts: 1, wantErr: ErrPermanent, status: 400},
		{name: "401 permanent", steps: recorder.Repeat(1, 401, ""), attempts: 1, wantErr: ErrPermanent, status: 401},
		{name: "404 permanent", steps: recorder.Repeat(1, 404, ""), attempts: 1, wantErr: ErrPermanent, status: 404},
		{name: "422 permanent", steps: recorder.Repeat(1, 422, ""), attempts: 1, wantErr: ErrPermanent, status: 422},
		{name: "409 not retried by default", steps: recorder.Repeat(1, 409, ""), op: "complete", attempts: 1, wantErr: errOther, status: 409},
		{name: "409 retried when the predicate says so", steps: recorder.Repeat(1, 409, ""), op: "complete", retryable: conflictToo,
			attempts: 2, waits: ms(1000)},
		{name: "409 on another op", steps: recorder.Repeat(1, 409, ""), op: "trace", retryable: conflictToo, attempts: 1, wantErr: errOther, status: 409},
		{name: "409 exhausted", steps: recorder.Repeat(4, 409, ""), op: "complete", retryable: conflictToo, attempts: 4,
			waits: ms(1000, 2000, 4000), wantErr: ErrRetriesExhausted, status: 409},
		{name: "302 not followed", steps: []recorder.Reply{{Status: 302, Header: http.Header{"Location": {"/elsewhere"}}}},
			attempts: 1, wantErr: errOther, status: 302},
		{name: "predicate refuses 5xx", steps: recorder.Repeat(1, 503, ""), retryable: func(int, string) bool { return false },
			attempts: 1, wantErr: errOther, status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.steps...)
			log, logs := testkit.Logger()
			timer := &httpxtest.Timer{}
			p := Poster{Client: NewDefaultClient(), MaxRetryAfter: 50 * time.Second, Retryable: tt.retryable,
				MinWait: tt.minWait, Log: log, Timer: timer}
			op := tt.op
			if op == "" {
				op = "callback"
			}
			rep, err := p.Do(context.Background(), Request{Op: op, URL: srv.URL + "/x", Body: []byte(`{"a":1}`),
				Header: http.Header{"Content-Type": {"application/json"}}, Fields: []zap.Field{zap.String("inject_id", "i")}})
			reqs := srv.Requests()
			if len(reqs) != tt.attempts || rep.Attempts != tt.attempts {
				t.Errorf("%d requests, Attempts %d; want %d", len(reqs), rep.Attempts, tt.attempts)
			}
			for _, r := range reqs {
				if r.Method != http.MethodPost || string(r.Body) != `{"a":1}` || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("request %s %q %v, want the same POST on every attempt", r.Method, r.Body, r.Header)
				}
			}
			if got := timer.Waits(); !slices.Equal(got, tt.waits) {
				t.Errorf("waits %v, want %v", got, tt.waits)
			}
			checkRetryLines(t, logs.All(), op, tt.waits)
			if tt.wantErr == nil {
				if err != nil || rep.Status != 200 || string(rep.Body) != "done" {
					t.Fatalf("Do = %+v, %v; want 200 done", rep, err)
				}
				return
			}
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != tt.status || he.Attempts != tt.attempts || he.Op != op {
				t.Fatalf("error = %#v, want an *HTTPError with status %d after %d attempts", err, tt.status, tt.attempts)
			}
			perm, exh := errors.Is(err, ErrPermanent), errors.Is(err, ErrRetriesExhausted)
			if perm != (tt.wantErr == ErrPermanent) || exh != (tt.wantErr == ErrRetriesExhausted) || he.Permanent() != perm {
				t.Errorf("permanent %v exhausted %v, want %v", perm, exh, tt.wantErr)
			}
		})
	}
}

// errOther stands for an *HTTPError neither permanent nor exhausted.
var errOther = errors.New("neither permanent nor exhausted")

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, n := range v {
		out[i] = time.Duration(n) * time.Millisecond
	}
	return out
}

// checkRetryLines checks one WARN line per wait and nothing else logged.
func checkRetryLines(t *testing.T, entries []observer.LoggedEntry, op string, waits []time.Duration) {
	t.Helper()
	if len(entries) != len(waits) {
		t.Fatalf("%d log lines, want %d (one WARN per retry, none for the final failure)", len(entries), len(waits))
	}
	for i, e := range entries {
		f := e.ContextMap()
		// attempt and attempts are numbers, as attempt is in every other
		// line of a daemon's JSON log: one field, one JSON type.
		attempt := int64(i + 1)
		if e.Level != zapcore.WarnLevel || f["op"] != op || f["attempt"] != attempt || f["attempts"] != int64(DefaultAttempts) ||
			f["wait"] != waits[i] || f["inject_id"] != "i" {
			t.Errorf("line %d: %s %q %v, want WARN op %s attempt %d of %d, wait %v", i, e.Level, e.Message, f, op, attempt, DefaultAttempts, waits[i])
		}
	}
}

// TestPosterTimeoutRetried: an attempt that gets no answer within Timeout
// is retried. It runs under synctest, over in-memory connections: the
// clock moves only once every goroutine waits, so the hung attempt times
// out and the next one, answered at once, cannot. With a real clock and a
// loopback server, the second attempt's dial too outran the 50 ms on a
// loaded machine (15 runs in 300 counted 3 attempts).
func TestPosterTimeoutRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var dials atomic.Int32
		hc := NewDefaultClient()
		defer hc.CloseIdleConnections()
		Transport(hc).DialContext = dialWhole(func(context.Context, string, string) (net.Conn, error) {
			client, server := net.Pipe()
			hang := dials.Add(1) == 1
			go func() {
				defer server.Close()
				if _, err := http.ReadRequest(bufio.NewReader(server)); err != nil {
					t.Errorf("server: %v", err)
					return
				}
				if hang { // past the attempt's timeout: until the client lets go
					_, _ = io.Copy(io.Discard, server)
					return
				}
				_, _ = io.WriteString(server, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
			}()
			return client, nil
		})
		p := Poster{Client: hc, Timeout: 50 * time.Millisecond, Timer: &httpxtest.Timer{}}
		rep, err := p.Do(context.Background(), Request{URL: "http://backend.test/callback"})
		if err != nil || rep.Attempts != 2 || rep.Status != http.StatusAccepted {
			t.Fatalf("Do = %+v, %v; want 202 after 2 attempts", rep, err)
		}
	})
}

func TestPosterCancel(t *testing.T) {
	t.Run("before the first attempt", func(t *testing.T) {
		srv := newServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p := Poster{Client: NewDefaultClient()}
		var ie *InterruptedError
		if rep, err := p.Do(ctx, Request{URL: srv.URL}); !errors.Is(err, context.Canceled) || errors.As(err, &ie) || rep.Attempts != 0 || len(srv.Requests()) != 0 {
			t.Errorf("error = %#v after %d requests, want context.Canceled and none", err, len(srv.Requests()))
		}
	})
	t.Run("during a wait", func(t *testing.T) {
		srv := newServer(t, recorder.Repeat(4, 503, "")...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := Poster{Client: NewDefaultClient(), Timer: httpxtest.TimerFunc(cancel)}
		rep, err := p.Do(ctx, Request{Op: "callback", URL: srv.URL})
		if !errors.Is(err, context.Canceled) || err.Error() != context.Canceled.Error() || rep.Attempts != 1 || len(srv.Requests()) != 1 {
			t.Errorf("error = %v after %d attempts, want context.Canceled after 1", err, rep.Attempts)
		}
		// What was tried is kept, for an outbox to record: the 503.
		var ie *InterruptedError
		var he *HTTPError
		if !errors.As(err, &ie) || ie.Last == nil || ie.Last.Status != 503 || ie.Last.Attempts != 1 || ie.Attempts != 1 || errors.As(err, &he) {
			t.Errorf("error = %#v, want an *InterruptedError holding the 503 of 1 attempt, and no *HTTPError in its chain", err)
		}
	})
	// A request cut short in flight is an attempt made: the backend may
	// have received it.
	t.Run("during a request", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if n.Add(1) == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			cancel() // received, then the interrupt
			<-r.Context().Done()
		}))
		t.Cleanup(srv.Close)
		p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}}
		for _, first := range []bool{true, false} {
			if !first {
				// Second round: the first attempt was cut, none failed
				// on its own.
				n.Store(1)
				ctx, cancel = context.WithCancel(context.Background())
				defer cancel()
			}
			rep, err := p.Do(ctx, Request{Op: "callback", URL: srv.URL})
			var ie *InterruptedError
			want := map[bool]int{true: 2, false: 1}[first]
			if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) || ie.Attempts != want || rep.Attempts != want ||
				(ie.Last != nil) != first || (first && (ie.Last.Status != 503 || ie.Last.Attempts != 1)) {
				t.Errorf("first attempt refused %t: error = %#v, want an *InterruptedError of %d attempts", first, err, want)
			}
		}
	})
}

func TestPosterReplyLimit(t *testing.T) {
	srv := newServer(t, recorder.Reply{Status: 200, Body: strings.Repeat("x", 100)})
	p := Poster{Client: NewDefaultClient(), MaxReply: 99, Timer: &httpxtest.Timer{}}
	_, err := p.Do(context.Background(), Request{Op: "search", URL: srv.URL})
	var he *HTTPError
	if !errors.As(err, &he) || he.Attempts != 1 || he.Exhausted || he.Permanent() || !strings.Contains(err.Error(), "larger than 99 bytes") {
		t.Fatalf("error = %v, want a reply too large, not retried", err)
	}
	p.MaxReply = 100
	if rep, err := p.Do(context.Background(), Request{URL: srv.URL}); err != nil || len(rep.Body) != 4 {
		t.Errorf("Do = %q, %v", rep.Body, err)
	}
}

// TestPosterStatusOnly: a request whose caller needs only the status is
// settled by a 2xx whose body is too large or cut short: one attempt,
// no error. Without StatusOnly, the same answers are failures.
func TestPosterStatusOnly(t *testing.T) {
	cut := cutReply(t, "accepted")
	large := newServer(t)
	large.SetReply(recorder.Reply{Status: 200, Body: strings.Repeat("x", 100)}) // every request's
	for _, tt := range []struct {
		name string
		url  string
	}{{"body cut short", cut.URL}, {"body over MaxReply", large.URL}} {
		t.Run(tt.name, func(t *testing.T) {
			p := Poster{Client: NewDefaultClient(), MaxReply: 99, Attempts: 2, Backoff: Exponential(0, 0), Timer: &httpxtest.Timer{}}
			if _, err := p.Do(context.Background(), Request{URL: tt.url}); err == nil {
				t.Error("without StatusOnly: no error, want the unreadable reply refused")
			}
			rep, err := p.Do(context.Background(), Request{URL: tt.url, StatusOnly: true})
			if err != nil || rep.Status != 200 || rep.Attempts != 1 || rep.Body != nil {
				t.Errorf("StatusOnly: Do = %+v, %v; want the 200 settled in one attempt", rep, err)
			}
			// With Decode, the body is handed over, its failure kept by
			// Decode alone: the 200 settles the request all the same.
			var decoded []error
			rep, err = p.Do(context.Background(), Request{URL: tt.url, StatusOnly: true, Decode: func(_ int, rd io.Reader) error {
				_, err := io.ReadAll(rd)
				decoded = append(decoded, err)
				return err
			}})
			if err != nil || rep.Status != 200 || rep.Attempts != 1 || rep.Body != nil {
				t.Errorf("StatusOnly with Decode: Do = %+v, %v; want the 200 settled in one attempt", rep, err)
			}
			if len(decoded) != 1 || decoded[0] == nil {
				t.Errorf("Decode saw %v, want one call seeing the body unreadable", decoded)
			}
		})
	}
}

func TestErrorBodyCut(t *testing.T) {
	long := strings.Repeat("é", 3000) // 6000 bytes
	srv := newServer(t, recorder.Reply{Status: 400, Body: long})
	p := Poster{Client: NewDefaultClient()}
	_, err := p.Do(context.Background(), Request{URL: srv.URL})
	var he *HTTPError
	if !errors.As(err, &he) || len(he.Body) != 4096 || !strings.HasPrefix(long, he.Body) {
		t.Fatalf("error = %v, want the first 4096 bytes of the body", err)
	}
}

func TestExponential(t *testing.T) {
	tests := []struct {
		initial, limit time.Duration
		n              int
		want           time.Duration
	}{
		{time.Second, 0, 1, time.Second},
		{time.Second, 0, 3, 4 * time.Second},
		{time.Second, 3 * time.Second, 3, 3 * time.Second},
		{0, 0, 5, 0},
		{time.Hour, 0, 200, time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		if got := Exponential(tt.initial, tt.limit)(tt.n); got != tt.want {
			t.Errorf("Exponential(%v, %v)(%d) = %v, want %v", tt.initial, tt.limit, tt.n, got, tt.want)
		}
	}
}
