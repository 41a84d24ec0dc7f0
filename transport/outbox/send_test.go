package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// newSink starts a callback backend answering code with an error body.
func newSink(t *testing.T, code int) *transporttest.Backend {
	t.Helper()
	be := transporttest.NewBackend(t)
	be.SetReply(answer(code))
	return be
}

// answer is a reply of code with an error body.
func answer(code int) transporttest.Reply {
	return transporttest.Reply{Status: code, Body: `{"error":"status ` + http.StatusText(code) + `"}`}
}

// cut is a reply that cuts the connection before any answer.
var cut = transporttest.Reply{Cut: true}

// accepted returns the bodies be answered 2xx to, by "idempotency-key
// path".
func accepted(be *transporttest.Backend) map[string][]byte {
	out := map[string][]byte{}
	for _, r := range be.Answered() {
		out[r.Header.Get(transport.IdempotencyHeader)+" "+r.Path] = r.Body
	}
	return out
}

// pending returns the inject ids of the records s holds, in order.
func pending(t *testing.T, s *Store) []string {
	t.Helper()
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range list {
		ids = append(ids, r.InjectID)
	}
	return ids
}

func clientFor(t *testing.T) func(string) (Poster, error) {
	return func(base string) (Poster, error) {
		return transport.New(base, transport.WithRetry(2, time.Millisecond))
	}
}

func TestSendOutcomes(t *testing.T) {
	tests := []struct {
		code  int
		out   Outcome
		state State // "" when deleted
	}{
		{200, Delivered, ""},
		{202, Delivered, ""},
		{400, Rejected, Dead},
		{404, Rejected, Dead},
		{409, Failed, Pending},
		{429, Failed, Pending},
		{503, Failed, Pending},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			be := newSink(t, tt.code)
			s := openTemp(t, Options{})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := clientFor(t)(be.URL)
			out, err := s.Send(context.Background(), c, recs[0], 0)
			if out != tt.out || (err == nil) != (tt.out == Delivered) {
				t.Fatalf("Send = %s, %v; want %s", out, err, tt.out)
			}
			r, gerr := s.Get(recs[0].ID)
			if tt.state == "" {
				if !errors.Is(gerr, ErrNotFound) {
					t.Errorf("delivered record kept: %+v", r)
				}
				return
			}
			if r.State != tt.state || r.Attempts == 0 || r.LastError == "" || r.Owner != 0 {
				t.Errorf("record %+v", r)
			}
			if tt.state == Dead && (r.DeadStatus != tt.code || !strings.Contains(r.DeadBody, "error")) {
				t.Errorf("dead record %+v", r)
			}
			if tt.state == Pending && !r.NextAttempt.After(time.Now()) {
				t.Errorf("next attempt %s is not in the future", r.NextAttempt)
			}
		})
	}
}

// Flush: a backend whose connections are cut, that asks to wait (429,
// 503) or that moved for good (301, 308) is left alone after its first
// body, and the others wait without a request (t67: a rate-limiting
// backend got every body's attempts in a row); one answering another
// status (a 500, a 302) fails each body alone, and each is tried. Once
// the backend is back, every body is delivered byte for byte under its
// key.
func TestFlush(t *testing.T) {
	status := func(code int) func(be *transporttest.Backend) {
		return func(be *transporttest.Backend) { be.SetReply(answer(code)) }
	}
	moved := func(code int) func(be *transporttest.Backend) {
		return func(be *transporttest.Backend) {
			be.SetReply(transporttest.Reply{Status: code, Header: http.Header{"Location": {"https://127.0.0.1:1/"}}})
		}
	}
	tests := []struct {
		name     string
		down     func(be *transporttest.Backend)
		requests int // while down
		untried  int
	}{
		{"connections cut", func(be *transporttest.Backend) { be.SetReply(cut) }, 2, 4}, // one body, 2 attempts
		// Tried before, the first body refused again lets the next one try
		// (it may be refused for its payload alone): 2 bodies, 2 attempts each.
		{"503", status(http.StatusServiceUnavailable), 4, 3},
		{"429", status(http.StatusTooManyRequests), 4, 3},
		{"301", moved(http.StatusMovedPermanently), 1, 4}, // not retried
		{"308", moved(http.StatusPermanentRedirect), 1, 4},
		{"500", status(http.StatusInternalServerError), 10, 0}, // 5 bodies, 2 attempts each
		{"302", moved(http.StatusFound), 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSink(t, http.StatusOK)
			tt.down(be)
			s := openTemp(t, Options{})
			var entries []Entry
			for i := range 5 {
				entries = append(entries, Entry{InjectID: "inj", Phase: "p", ChunkIndex: i, TotalChunks: 5, BaseURL: be.URL,
					Body: []byte(`{"phase":"p","n":` + string(rune('0'+i)) + `}`)})
			}
			recs, err := s.Put(entries...)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				// Refused before with a 503: a 429 or 503 now is refused again.
				if err := s.markAnswered(r.ID, failedAttempts{n: 4}, http.StatusServiceUnavailable, "down: status 503", time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			rs := &Resender{Store: s, Client: clientFor(t)}
			res, err := rs.Flush(context.Background())
			if err != nil || res.Failed != 5 || res.Delivered != 0 || res.Untried != tt.untried {
				t.Fatalf("flush while down: %+v %v; want 5 failed, %d untried", res, err, tt.untried)
			}
			if requests := be.Len(); requests != tt.requests {
				t.Errorf("%d requests to a backend down, want %d", requests, tt.requests)
			}
			be.SetReply(answer(http.StatusOK))
			res, err = rs.Flush(context.Background())
			if err != nil || res.Delivered != 5 || res.Failed != 0 {
				t.Fatalf("flush: %+v %v", res, err)
			}
			acc := accepted(be)
			if n := len(acc); n != 5 {
				t.Errorf("%d bodies accepted", n)
			}
			for _, e := range entries {
				k := transport.IdempotencyKey("inj", "p", e.ChunkIndex, e.Body) + " /api/injects/inj/callback"
				if string(acc[k]) != string(e.Body) {
					t.Errorf("chunk %d: accepted %q under %q", e.ChunkIndex, acc[k], k)
				}
			}
			if st, _ := s.Stats(); st.Pending != 0 || st.Bytes != 0 {
				t.Errorf("outbox not empty: %+v", st)
			}
		})
	}
}

// Run sends due bodies, leaves the others for later, and wakes on demand.
// Each wait is for the outbox to hold what it should, never for a number
// of requests: a slow machine may time a request out and retry it.
func TestResenderRun(t *testing.T) {
	be := newSink(t, http.StatusOK)
	s := openTemp(t, Options{})
	recs, err := s.Put(
		Entry{InjectID: "due", Phase: "p", BaseURL: be.URL, Body: []byte(`{"a":1}`)},
		Entry{InjectID: "later", Phase: "p", BaseURL: be.URL, Body: []byte(`{"a":2}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.MarkFailed(recs[0].ID, 1, "down", time.Now())
	_ = s.MarkFailed(recs[1].ID, 1, "down", time.Now().Add(time.Hour))
	wake := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	rs := &Resender{Store: s, Client: clientFor(t), Wake: wake}
	go func() { done <- rs.Run(ctx) }()
	onlyLater := func() bool { return slices.Equal(pending(t, s), []string{"later"}) }
	if !be.Within(time.Minute, onlyLater) {
		t.Fatal("the due body delivered: not within a minute")
	}
	// A new failure, due now; Wake makes Run look at once (it receives
	// once the pass that sent the first body ended).
	more, _ := s.Put(Entry{InjectID: "new", Phase: "p", BaseURL: be.URL, Body: []byte(`{"a":3}`)})
	_ = s.MarkFailed(more[0].ID, 1, "down", time.Now())
	wake <- struct{}{}
	if !be.Within(time.Minute, onlyLater) {
		t.Fatal("the new body delivered: not within a minute")
	}
	wake <- struct{}{} // received once the pass that sent it ended
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].InjectID != "later" {
		t.Errorf("left %+v", list)
	}
	if got := be.Delivered(); len(got) != 2 {
		t.Errorf("%d bodies delivered, want the due one and the new one", len(got))
	}
}

// Neither the Resender's logs nor the stored records hold the token, even
// when the backend echoes it.
func TestResenderNeverShowsTheToken(t *testing.T) {
	const token = "tok-77aa-resend"
	for _, code := range []int{400, 503} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			be := newSink(t, code)
			be.SetReply(transporttest.Reply{Status: code, Body: "echo %s", Echo: "Authorization"})
			s := openTemp(t, Options{})
			recs, _ := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			_ = s.MarkFailed(recs[0].ID, 0, "", time.Now())
			log, logs := testkit.Logger()
			rs := &Resender{Store: s, Log: log, Client: func(base string) (Poster, error) {
				return transport.New(base, transport.WithToken(token), transport.WithLogger(log), transport.WithRetry(2, time.Millisecond))
			}}
			if _, err := rs.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if logs.Len() == 0 {
				t.Fatal("nothing logged")
			}
			for _, e := range logs.All() {
				line, _ := json.Marshal(map[string]any{"msg": e.Message, "fields": e.ContextMap()})
				if strings.Contains(string(line), token) {
					t.Errorf("log line shows the token: %s", line)
				}
			}
			r, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := json.Marshal(r); strings.Contains(string(raw)+r.DeadBody+r.LastError, token) || !strings.Contains(string(raw), "REDACTED") {
				t.Errorf("record %s", raw)
			}
		})
	}
}

// Once Run finds a backend down (its connections cut), its other due
// bodies wait with the failed one instead of each trying the dead backend
// in turn.
func TestResenderRunBackendDown(t *testing.T) {
	be := newSink(t, http.StatusOK)
	be.SetReply(cut)
	s := openTemp(t, Options{})
	for i := range 3 {
		recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", ChunkIndex: i, TotalChunks: 3, BaseURL: be.URL, Body: []byte{'{', byte('a' + i), '}'}})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.MarkFailed(recs[0].ID, 0, "", time.Now())
	}
	wake := make(chan struct{})
	rs := &Resender{Store: s, Client: clientFor(t), Wake: wake}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rs.Run(ctx) }()
	be.Await(t, 2)
	// Several more passes: none may try the other two bodies. Each wake is
	// received once the pass before it ended.
	for range 6 {
		wake <- struct{}{}
	}
	cancel()
	<-done
	if n := be.Len(); n != 2 {
		t.Errorf("%d requests, want 2 (one body, 2 attempts)", n)
	}
	list, _ := s.List()
	tried := 0
	for _, r := range list {
		if r.Attempts > 0 {
			tried++
		}
	}
	if len(list) != 3 || tried != 1 {
		t.Errorf("%d records, %d tried", len(list), tried)
	}
}

// otherProfileError is the error of another wire profile's client: it says
// whether it is permanent, nothing more.
type otherProfileError struct{ permanent bool }

func (e *otherProfileError) Error() string {
	return fmt.Sprintf("platform said no (permanent %t)", e.permanent)
}
func (e *otherProfileError) Permanent() bool { return e.permanent }

type posterFunc func(ctx context.Context, injectID string, chunkIndex int, body []byte) error

func (f posterFunc) PostBody(ctx context.Context, injectID string, chunkIndex int, body []byte) error {
	return f(ctx, injectID, chunkIndex, body)
}

// Any poster whose errors report Permanent settles like the transport's.
func TestSettleOtherProfile(t *testing.T) {
	for _, perm := range []bool{true, false} {
		s := openTemp(t, Options{})
		recs, err := s.Put(Entry{InjectID: "inj", Phase: "complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		p := posterFunc(func(context.Context, string, int, []byte) error {
			return fmt.Errorf("callback: %w", &otherProfileError{permanent: perm})
		})
		out, err := s.Send(context.Background(), p, recs[0], 0)
		r, _ := s.Get(recs[0].ID)
		want, state := Failed, Pending
		if perm {
			want, state = Rejected, Dead
		}
		if out != want || err == nil || r.State != state || !strings.Contains(r.LastError, "platform said no") {
			t.Errorf("permanent %t: %s, %v, record %+v", perm, out, err, r)
		}
	}
}

// A body the poster finds no longer needed (ErrSuperseded in its error's
// chain) is deleted unsent and counted apart from the delivered ones; one
// whose content the poster sent in another form instead
// (ErrSupersededSent) is counted superseded and apart again.
func TestFlushSuperseded(t *testing.T) {
	s := openTemp(t, Options{})
	var entries []Entry
	for _, id := range []string{"done", "done-sent-otherwise", "pending"} {
		entries = append(entries, Entry{InjectID: id, Phase: "complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)})
	}
	recs, err := s.Put(entries...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs { // left pending by a run that failed to send them
		if err := s.MarkFailed(r.ID, 1, "down", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	p := posterFunc(func(_ context.Context, id string, _ int, _ []byte) error {
		switch id {
		case "done":
			return fmt.Errorf("inject %s: %w", id, ErrSuperseded)
		case "done-sent-otherwise":
			return fmt.Errorf("inject %s: %w", id, ErrSupersededSent)
		}
		return nil
	})
	rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
	res, err := rs.Flush(context.Background())
	if want := (FlushResult{Delivered: 1, Superseded: 2, SupersededSent: 1}); err != nil || res != want {
		t.Fatalf("flush: %+v, %v; want %+v", res, err, want)
	}
	if recs, err := s.List(); err != nil || len(recs) != 0 {
		t.Errorf("records left: %+v %v", recs, err)
	}
}

// A flush interrupted while sending its first body (the poster sees ctx
// end) stops there: every body is still pending and counted so, with the
// attempts and last error of its last real attempt, not "context canceled",
// and the error is the context's, the body cut short the last one too.
func TestFlushInterrupted(t *testing.T) {
	for _, n := range []int{3, 1} {
		t.Run(fmt.Sprintf("%d bodies", n), func(t *testing.T) {
			s := openTemp(t, Options{})
			entries := make([]Entry, n)
			for i := range entries {
				entries[i] = Entry{InjectID: string(rune('a' + i)), Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)}
			}
			recs, err := s.Put(entries...)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if err := s.MarkFailed(r.ID, 2, "503 from the run", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			p := posterFunc(func(ctx context.Context, _ string, _ int, _ []byte) error { cancel(); return ctx.Err() })
			rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
			res, err := rs.Flush(ctx)
			if !errors.Is(err, context.Canceled) || res != (FlushResult{Failed: n}) {
				t.Fatalf("flush: %+v, %v; want %d still pending and the context's error", res, err, n)
			}
			left, err := s.List()
			if err != nil || len(left) != n {
				t.Fatalf("records left: %+v %v", left, err)
			}
			for _, r := range left {
				if r.State != Pending || r.Attempts != 2 || r.LastError != "503 from the run" || r.Owner != 0 {
					t.Errorf("record %s after the interrupt: %+v", r.InjectID, r)
				}
			}
		})
	}
}
