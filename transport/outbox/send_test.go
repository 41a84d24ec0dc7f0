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
	// Refused for its own (a 500), it keeps its schedule once the
	// backend takes another body (see Up): it was the backend out of
	// reach, it would follow that body at once.
	_ = s.markAnswered(recs[1].ID, failedAttempts{n: 1}, http.StatusInternalServerError, "status 500", time.Now().Add(time.Hour))
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
