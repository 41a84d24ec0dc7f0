package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/transport"
)

// sink is a loopback backend answering with the status code holds, or
// cutting the connection before any answer while drop is set, and
// recording the bodies and keys it accepted. Each request is signalled on
// seen once handled.
type sink struct {
	*httptest.Server
	code     atomic.Int32
	drop     atomic.Bool
	seen     chan struct{}
	mu       sync.Mutex
	accepted map[string][]byte // idempotency key and path → body
	requests int
}

func newSink(t *testing.T, code int) *sink {
	s := &sink{accepted: map[string][]byte{}, seen: make(chan struct{}, 1000)}
	s.code.Store(int32(code))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { s.seen <- struct{}{} }()
		body, _ := io.ReadAll(r.Body)
		c := int(s.code.Load())
		s.mu.Lock()
		s.requests++
		if c/100 == 2 && !s.drop.Load() {
			s.accepted[r.Header.Get(transport.IdempotencyHeader)+" "+r.URL.EscapedPath()] = body
		}
		s.mu.Unlock()
		if s.drop.Load() {
			cutConnection(w)
			return
		}
		w.WriteHeader(c)
		_, _ = io.WriteString(w, `{"error":"status `+http.StatusText(c)+`"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// cutConnection closes a request's connection without an answer.
func cutConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// await waits for n requests to have been handled.
func (s *sink) await(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.seen:
		case <-t.Context().Done():
			t.Fatal("test ended before the requests came")
		}
	}
}

func (s *sink) count() (accepted, requests int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accepted), s.requests
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

// Flush: a backend whose connections are cut is found down after its
// first body, and the others wait without a request; a backend answering
// 503 is not down, and each body is tried. Once the backend is back, every
// body is delivered byte for byte under its key.
func TestFlush(t *testing.T) {
	tests := []struct {
		name     string
		down     func(be *sink)
		requests int // while down
	}{
		{"connections cut", func(be *sink) { be.drop.Store(true) }, 2},               // one body, 2 attempts
		{"503", func(be *sink) { be.code.Store(http.StatusServiceUnavailable) }, 10}, // 5 bodies, 2 attempts each
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
				if err := s.MarkFailed(r.ID, 4, "down", time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			rs := &Resender{Store: s, Client: clientFor(t)}
			res, err := rs.Flush(context.Background())
			if err != nil || res.Failed != 5 || res.Delivered != 0 {
				t.Fatalf("flush while down: %+v %v", res, err)
			}
			if _, requests := be.count(); requests != tt.requests {
				t.Errorf("%d requests to a backend down, want %d", requests, tt.requests)
			}
			be.drop.Store(false)
			be.code.Store(http.StatusOK)
			res, err = rs.Flush(context.Background())
			if err != nil || res.Delivered != 5 || res.Failed != 0 {
				t.Fatalf("flush: %+v %v", res, err)
			}
			if n, _ := be.count(); n != 5 {
				t.Errorf("%d bodies accepted", n)
			}
			for _, e := range entries {
				k := transport.IdempotencyKey("inj", "p", e.ChunkIndex, e.Body) + " /api/injects/inj/callback"
				if string(be.accepted[k]) != string(e.Body) {
					t.Errorf("chunk %d: accepted %q under %q", e.ChunkIndex, be.accepted[k], k)
				}
			}
			if st, _ := s.Stats(); st.Pending != 0 || st.Bytes != 0 {
				t.Errorf("outbox not empty: %+v", st)
			}
		})
	}
}

// Run sends due bodies, leaves the others for later, and wakes on demand.
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
	be.await(t, 1)
	// A new failure, due now; Wake makes Run look at once (it receives
	// once the pass that sent the first body ended).
	more, _ := s.Put(Entry{InjectID: "new", Phase: "p", BaseURL: be.URL, Body: []byte(`{"a":3}`)})
	_ = s.MarkFailed(more[0].ID, 1, "down", time.Now())
	wake <- struct{}{}
	be.await(t, 1)
	wake <- struct{}{} // received once the pass that sent it ended
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	list, _ := s.List()
	if len(list) != 1 || list[0].InjectID != "later" {
		t.Errorf("left %+v", list)
	}
}

// Neither the Resender's logs nor the stored records hold the token, even
// when the backend echoes it.
func TestResenderNeverShowsTheToken(t *testing.T) {
	const token = "tok-77aa-resend"
	for _, code := range []int{400, 503} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
				_, _ = io.WriteString(w, "echo "+r.Header.Get("Authorization"))
			}))
			defer be.Close()
			s := openTemp(t, Options{})
			recs, _ := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			_ = s.MarkFailed(recs[0].ID, 0, "", time.Now())
			core, logs := observer.New(zapcore.DebugLevel)
			rs := &Resender{Store: s, Log: zap.New(core), Client: func(base string) (Poster, error) {
				return transport.New(base, transport.WithToken(token), transport.WithLogger(zap.New(core)), transport.WithRetry(2, time.Millisecond))
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
	be.drop.Store(true)
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
	be.await(t, 2)
	// Several more passes: none may try the other two bodies. Each wake is
	// received once the pass before it ended.
	for range 6 {
		wake <- struct{}{}
	}
	cancel()
	<-done
	if _, n := be.count(); n != 2 {
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
