package outbox

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/httpx"
)

// switchPoster is a backend that is down (every POST refused to connect)
// until up is set, then takes every body.
type switchPoster struct {
	up     *atomic.Bool
	posted chan string
}

func (p switchPoster) PostBody(_ context.Context, injectID string, _ int, _ []byte) error {
	if !p.up.Load() {
		return syscall.ECONNREFUSED
	}
	p.posted <- injectID
	return nil
}

// A Resender's Run (serve's) whose backend stays down says so once, as a
// WARN, then again every StillFailingEvery with the failures counted, its
// retries in between DEBUG lines, and once, as an INFO, when the backend
// takes bodies again: not a WARN at every retry for as long as the
// outage lasts (issue 14 point 11). It said "outbox body not delivered;
// kept" at every retry, every MaxBackoff at most, for hours.
func TestRunSaysADownBackendOnceThenWhileItLasts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openTemp(t, Options{})
		const base = "http://user:secret@127.0.0.1:1"
		putFailed(t, s, Entry{InjectID: "a", Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"a":1}`)},
			Entry{InjectID: "b", Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"b":1}`)})
		core, logs := observer.New(zapcore.DebugLevel)
		up := &atomic.Bool{}
		p := switchPoster{up: up, posted: make(chan string, 2)}
		rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }, Log: zap.New(core)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rs.Run(ctx) }()
		defer func() { cancel(); <-done }()
		const outage = 50 * time.Minute
		time.Sleep(outage)
		synctest.Wait()

		warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
		retries := logs.FilterLevelExact(zapcore.DebugLevel).FilterMessage("outbox body not delivered; kept").Len()
		if len(warns) < 2 || warns[0].Message != "outbox body not delivered; kept" {
			t.Fatalf("WARN lines in a %s outage: %d, want the first failure's then a still-failing one; all lines: %v", outage, len(warns), messages(logs))
		}
		t.Logf("a %s outage: %d WARN lines, %d retries as DEBUG lines", outage, len(warns), retries)
		if retries == 0 {
			t.Errorf("no DEBUG line for the retries between the WARN lines")
		}
		for i, w := range warns[1:] {
			gap := w.Time.Sub(warns[i].Time)
			if w.Message != "outbox bodies still not delivered; kept" || gap < StillFailingEvery || gap > StillFailingEvery+MaxBackoff {
				t.Errorf("WARN line %d %q, %s after the one before, want %q between %s and %s after it",
					i+2, w.Message, gap, "outbox bodies still not delivered; kept", StillFailingEvery, StillFailingEvery+MaxBackoff)
			}
			if n, _ := w.ContextMap()["failed_attempts"].(int64); n < 2 {
				t.Errorf("WARN line %d counts %d failed attempts, want the attempts since the outage began", i+2, n)
			}
		}

		up.Store(true)
		time.Sleep(MaxBackoff)
		synctest.Wait()
		if len(p.posted) != 2 {
			t.Fatalf("%d bodies posted once the backend was up, want 2", len(p.posted))
		}
		back := logs.FilterMessage("outbox backend takes bodies again").All()
		if len(back) != 1 || back[0].Level != zapcore.InfoLevel {
			t.Fatalf("lines saying the backend takes bodies again: %v, want one INFO", back)
		}
		m := back[0].ContextMap()
		if m["base_url"] != "http://127.0.0.1:1" {
			t.Errorf("base_url %v, want the base URL without its credentials", m["base_url"])
		}
		if n, _ := m["failed_attempts"].(int64); n < int64(len(warns))+int64(retries) {
			t.Errorf("failed_attempts %d, want every failed attempt of the outage (%d)", n, len(warns)+retries)
		}
	})
}

// A backend that refuses the token is said once as an ERROR, not at
// every retry, and once as an INFO when it accepts it again.
func TestRunSaysARefusedTokenOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openTemp(t, Options{})
		putFailed(t, s, Entry{InjectID: "a", Phase: "p", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"a":1}`)})
		core, logs := observer.New(zapcore.DebugLevel)
		refused := &atomic.Bool{}
		refused.Store(true)
		p := refusingPoster{refused: refused, posted: make(chan string, 1)}
		rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }, Log: zap.New(core)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rs.Run(ctx) }()
		defer func() { cancel(); <-done }()
		time.Sleep(StillFailingEvery - time.Minute)
		synctest.Wait()
		errs := logs.FilterLevelExact(zapcore.ErrorLevel).Len()
		tries := logs.FilterMessageSnippet("refused the request's credentials").Len()
		if errs != 1 || tries < 2 {
			t.Fatalf("%d ERROR lines for %d refused attempts within %s, want 1 (then DEBUG); all lines: %v",
				errs, tries, StillFailingEvery-time.Minute, messages(logs))
		}
		refused.Store(false)
		time.Sleep(MaxBackoff)
		synctest.Wait()
		if n := logs.FilterMessage("outbox backend accepts the token again").FilterLevelExact(zapcore.InfoLevel).Len(); n != 1 || len(p.posted) != 1 {
			t.Errorf("%d INFO lines saying the token is accepted again, %d bodies posted; want 1 and 1", n, len(p.posted))
		}
	})
}

func messages(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		out = append(out, e.Level.String()+" "+e.Message)
	}
	return out
}

// refusingPoster is a backend that refuses the token (401) while refused
// is set, then takes every body.
type refusingPoster struct {
	refused *atomic.Bool
	posted  chan string
}

func (p refusingPoster) PostBody(_ context.Context, injectID string, _ int, _ []byte) error {
	if p.refused.Load() {
		return &httpx.HTTPError{Op: "callback", Status: 401, Attempts: 1}
	}
	p.posted <- injectID
	return nil
}

// putFailed puts the entries as tried once by their run, due now.
func putFailed(t *testing.T, s *Store, entries ...Entry) {
	t.Helper()
	recs, err := s.Put(entries...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := s.MarkFailed(r.ID, 1, "status 500", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}
