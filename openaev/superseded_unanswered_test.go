package openaev_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A stored "complete" whose own attempts got no answer, found superseded
// by another run and sent as data whose attempts got no answer too, warns
// once that data is delivered, counting the attempts made as data alone:
// those the platform may hold the signatures for, not the complete's.
func TestSupersededDataCountsOnlyItsAttempts(t *testing.T) {
	const token = "resend-token"
	body := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS","execution_action":"complete",` +
		`"execution_duration":0,"execution_output_structured":"{\"expectation_signatures\":{\"targets\":[{\"signature_target\":` +
		`{\"asset\":\"asset-1\"},\"signature_values\":[{\"expectation_type\":\"DETECTION\",\"values\":[{\"signature_type\":` +
		`\"source_ipv4_address\",\"signature_value\":\"192.0.2.10\"}]}]}]}}"}`)
	p, _ := receivedInject(t, token, true) // another run completed it
	// The data attempts taken, each answer lost: two.
	proxy := testkit.FaultProxy(t, p.URL, 2, []byte(`"execution_action":"data"`), testkit.LoseAnswer)
	c, err := openaev.NewClient(openaev.Config{URL: proxy.URL, Token: token}, openaev.WithRetry(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	poster := openaev.ResendPoster{Profile: openaev.NewProfile(c, nil, zap.New(core))}
	store, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	recs, err := store.Put(outbox.Entry{InjectID: "i1", Phase: openaev.ActionComplete, TotalChunks: 1, BaseURL: proxy.URL, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The complete's own three attempts, before the inject was finished,
	// got no answer.
	lostComplete := posterFunc(func(context.Context, string, int, []byte) error {
		return &httpx.HTTPError{Op: openaev.ActionComplete, Attempts: 3, Unanswered: 3}
	})
	if _, err := store.Send(ctx, lostComplete, recs[0], 0); err == nil {
		t.Fatal("the complete's send: nil error")
	}
	for i, want := range []outbox.Outcome{outbox.Failed, outbox.SupersededSent} {
		r, ok, err := store.Claim(recs[0].ID)
		if err != nil || !ok {
			t.Fatalf("claim %d: %v, %v", i, ok, err)
		}
		if out, err := store.Send(ctx, poster, r, 0); out != want {
			t.Fatalf("send %d: %v (%v), want %v", i, out, err, want)
		} else if want == outbox.Failed && err == nil {
			t.Fatalf("send %d: nil error", i)
		}
	}
	var warns []string
	for _, e := range logs.FilterMessageSnippet("may have stored its signatures twice").All() {
		warns = append(warns, e.Message)
		if n, _ := e.ContextMap()["unanswered"].(int64); n != 2 {
			t.Errorf("WARN counts %d unanswered attempts, want the 2 made as data", n)
		}
	}
	if len(warns) != 1 {
		t.Errorf("WARNs %q, want one counting the data attempts; all: %v", warns, strings.Join(messages(logs), "\n"))
	}
}

type posterFunc func(ctx context.Context, injectID string, index int, body []byte) error

func (f posterFunc) PostBody(ctx context.Context, injectID string, index int, body []byte) error {
	return f(ctx, injectID, index, body)
}

func messages(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		out = append(out, e.Message)
	}
	return out
}
