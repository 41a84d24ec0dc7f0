package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

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

// A body the poster finds no longer needed (ErrSuperseded in its error's
// chain) is deleted unsent and counted apart from the delivered ones; one
// whose content the poster sent in another form instead
// (ErrSupersededSent) is counted superseded and apart again. Delivered
// is told of the bodies whose content reached the backend: the one
// delivered and the one sent in another form, each with its record.
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
	var told []string
	rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }, Delivered: func(r Record) {
		if r.Created.IsZero() || len(r.Body) != 0 {
			t.Errorf("Delivered told of %+v, want its record, stored at Created, without its body", r)
		}
		told = append(told, r.InjectID)
	}}
	res, err := rs.Flush(context.Background())
	if want := (FlushResult{Delivered: 1, Superseded: 2, SupersededSent: 1}); err != nil || res != want {
		t.Fatalf("flush: %+v, %v; want %+v", res, err, want)
	}
	if want := []string{"done-sent-otherwise", "pending"}; !slices.Equal(told, want) {
		t.Errorf("Delivered told of %v, want %v", told, want)
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
