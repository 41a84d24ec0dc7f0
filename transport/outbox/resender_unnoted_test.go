package outbox

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// A Resender's Run (serve's) whose attempts cannot be noted (the
// outbox's directory full: ENOSPC, or not writable) posts nothing, and
// waits before it tries again, MinBackoff doubling up to MaxBackoff, the
// other bodies too: the note is the directory's, not the body's. It
// tried the body again every 10 ms, each a WARN line and a write to the
// file, for as long as the disk stayed full. Once notes can be written,
// the body is sent at its next try. The full disk is said once, a WARN,
// its retries DEBUG lines, and its end once, an INFO (see
// TestRunSaysADownBackendOnceThenWhileItLasts).
func TestRunWaitsWhileAttemptsCannotBeNoted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openTemp(t, Options{})
		recs, err := s.Put(Entry{InjectID: "a", Phase: "p", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"a":1}`)},
			Entry{InjectID: "b", Phase: "p", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"b":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs { // tried once by their run, due now
			if err := s.MarkFailed(r.ID, 1, "status 500", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		// The note cannot be written: a directory that is not empty
		// cannot be removed to create the file.
		withoutAttemptsFile(t, s)
		blocker := filepath.Join(s.attemptsPath(), "held")
		if err := os.MkdirAll(blocker, 0o700); err != nil {
			t.Fatal(err)
		}
		core, all := observer.New(zapcore.DebugLevel)
		p := postedPoster{posted: make(chan string, 2)}
		rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }, Log: zap.New(core)}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rs.Run(ctx) }()
		time.Sleep(MinBackoff + time.Second) // two tries: now, then MinBackoff later
		synctest.Wait()
		const unnotedLine = "outbox body not sent: its attempt cannot be noted beside the outbox (a full disk, a directory not writable); kept, and no body tried before the retry"
		logs := all.FilterLevelExact(zapcore.WarnLevel)
		if n, tries := logs.Len(), all.FilterMessage(unnotedLine).Len(); n != 1 || tries != 2 {
			t.Errorf("%d WARN lines for %d tries in %s while the attempts could not be noted, want 1 for 2 (one a try, the second body not tried); the first: %v",
				n, tries, MinBackoff+time.Second, first(logs))
		}
		if err := os.RemoveAll(s.attemptsPath()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * MinBackoff) // the next try
		synctest.Wait()
		if len(p.posted) != 2 {
			t.Errorf("%d bodies posted once the attempts could be noted, want 2", len(p.posted))
		}
		if n := all.FilterMessage("outbox attempts can be noted again; bodies are sent").FilterLevelExact(zapcore.InfoLevel).Len(); n != 1 {
			t.Errorf("%d INFO lines saying the attempts can be noted again, want 1", n)
		}
		cancel()
		<-done
	})
}

// first returns the first line logs holds, with its fields.
func first(logs *observer.ObservedLogs) any {
	if logs.Len() == 0 {
		return nil
	}
	e := logs.All()[0]
	return []any{e.Message, e.ContextMap()}
}

// The wait after attempts that could not be noted starts again from
// MinBackoff once one could be: a disk full again later does not hold
// the bodies back for the doubled wait of the earlier time.
func TestRunUnnotedWaitStartsAgainOnceNoted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openTemp(t, Options{})
		put := func(id string) {
			t.Helper()
			recs, err := s.Put(Entry{InjectID: id, Phase: "p", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"a":1}`)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkFailed(recs[0].ID, 1, "status 500", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		block := func() {
			t.Helper()
			withoutAttemptsFile(t, s)
			if err := os.MkdirAll(filepath.Join(s.attemptsPath(), "held"), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		put("a")
		block() // a directory where the file of attempts is to be
		// A retry's line is DEBUG.
		core, logs := observer.New(zapcore.DebugLevel)
		p := postedPoster{posted: make(chan string, 2)}
		wake := make(chan struct{}, 1)
		rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }, Log: zap.New(core), Wake: wake}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rs.Run(ctx) }()
		time.Sleep(MinBackoff + time.Second) // two tries: MinBackoff, then 2×MinBackoff
		synctest.Wait()
		if err := os.RemoveAll(s.attemptsPath()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * MinBackoff) // noted: a is sent
		synctest.Wait()
		if len(p.posted) != 1 {
			t.Fatalf("%d bodies posted once the attempts could be noted, want 1", len(p.posted))
		}
		// The file of attempts, open now, can be written no more.
		s.attempts.mu.Lock()
		_ = s.attempts.f.Close()
		s.attempts.mu.Unlock()
		put("b")
		wake <- struct{}{}
		synctest.Wait()
		var waits []time.Duration
		for _, e := range logs.All() {
			if d, ok := e.ContextMap()["retry_in"].(time.Duration); ok {
				waits = append(waits, d)
			}
		}
		want := []time.Duration{MinBackoff, 2 * MinBackoff, MinBackoff}
		if !slices.Equal(waits, want) {
			t.Errorf("waits after attempts not noted %v, want %v", waits, want)
		}
		cancel()
		<-done
	})
}
