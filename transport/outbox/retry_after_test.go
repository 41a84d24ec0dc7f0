package outbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A body whose last answer asked for a wait (a 429 or a 503 with
// Retry-After) is not due again before that wait ends: a resender would
// otherwise knock again at a backend that said it is busy, at the pace of
// its backoff. The wait is capped by the longest backoff, as a wait the
// client makes between two attempts is capped.
func TestSendKeepsRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		after  string
		next   time.Duration
	}{
		{"429 longer than the backoff", http.StatusTooManyRequests, "120", 120 * time.Second},
		{"503 longer than the backoff", http.StatusServiceUnavailable, "90", 90 * time.Second},
		{"503 past the longest backoff", http.StatusServiceUnavailable, "100000", MaxBackoff},
		{"503 shorter than the backoff", http.StatusServiceUnavailable, "1", MinBackoff},
		{"503 without one", http.StatusServiceUnavailable, "", MinBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := retryAfterBackend(t, tt.status, tt.after, `{"error":"busy"}`)
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			if err != nil {
				t.Fatal(err)
			}
			c, err := transport.New(be.URL, transport.WithRetry(1, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if out, err := s.Send(context.Background(), c, recs[0], 0); out != Failed || err == nil {
				t.Fatalf("Send = %s, %v; want failed, kept pending", out, err)
			}
			r, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != Pending || !r.NextAttempt.Equal(now.Add(tt.next)) {
				t.Errorf("record %s, next in %s; want pending, next in %s", r.State, r.NextAttempt.Sub(now), tt.next)
			}
		})
	}
}

// A send (a flush's, a retry-dead's) stopped while it waited to retry a body whose last answer asked
// for a longer wait than the client waits between two attempts (capped
// at 30 s) keeps it not due before that wait ends, capped as Send caps
// it: it was due at the capped wait's end or the backoff, earlier than
// had the flush not been interrupted (tester t127: a 429 asking 3600 s
// was due again in 2m40s, where an uninterrupted flush keeps it 5 min).
func TestInterruptedWaitKeepsRetryAfter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	be := transporttest.NewBackend(t)
	h := http.Header{}
	h.Set("Retry-After", "120")
	be.SetReply(transporttest.Reply{Status: http.StatusTooManyRequests, Header: h, Body: `{"error":"busy"}`})
	s := openTemp(t, Options{})
	recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The retry's WARN is logged before its wait: the interrupt comes then.
	core := zapcore.RegisterHooks(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zap.DebugLevel),
		func(e zapcore.Entry) error {
			if e.Message == "request failed, retrying" {
				cancel()
			}
			return nil
		})
	c, err := transport.New(be.URL, transport.WithRetry(2, time.Millisecond), transport.WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := s.Send(ctx, c, recs[0], 0)
	if out != Failed || !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %s, %v; want interrupted while it waited", out, err)
	}
	if last := s.NoteInterrupted(recs[0], c, err); last == nil {
		t.Fatal("NoteInterrupted = nil, want the 429")
	}
	r, err := s.Get(recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != Pending || r.Attempts != 1 || r.NextAttempt.Before(start.Add(120*time.Second)) || r.NextAttempt.After(time.Now().Add(120*time.Second)) {
		t.Errorf("record %s, %d attempts, next in %s; want pending, 1 attempt, next in 120s (the Retry-After)", r.State, r.Attempts, r.NextAttempt.Sub(start).Round(time.Second))
	}
}

// retryAfterBackend is a backend answering every POST status with body
// and, unless after is "", a Retry-After of after.
func retryAfterBackend(t *testing.T, status int, after, body string) *transporttest.Backend {
	be := transporttest.NewBackend(t)
	h := http.Header{}
	if after != "" {
		h.Set("Retry-After", after)
	}
	be.SetReply(transporttest.Reply{Status: status, Header: h, Body: body})
	return be
}
