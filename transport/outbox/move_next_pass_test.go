package outbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// When a moved body is tried at its new URL: a flush at once, serve's
// Resender at its next pass.

// postedPoster hands each body it posts to posted.
type postedPoster struct{ posted chan string }

func (p postedPoster) PostBody(_ context.Context, injectID string, _ int, _ []byte) error {
	p.posted <- injectID
	return nil
}

// A body moved while a Resender's Run (serve's) sleeps is due at once,
// but Run does not watch the file: it tries the body at its next pass,
// at most MaxBackoff after the move, not at once. The README and Move
// say so (a flush sends at once).
func TestRunTriesAMovedBodyAtItsNextPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openTemp(t, Options{Shared: true})
		recs := putTried(t, s, time.Now(), Entry{InjectID: "a", Phase: "p", TotalChunks: 1, BaseURL: oldBase, Body: []byte(`{"a":1}`)})
		p := postedPoster{posted: make(chan string, 1)}
		rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil },
			// serve's resender sends the bodies of its own backend: the new one.
			Select: func(r Record) bool { return r.BaseURL == movedBase }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rs.Run(ctx) }()
		synctest.Wait() // Run sleeps: nothing of its backend is due
		moved := time.Now()
		if res, err := s.Move(context.Background(), func(base string) bool { return base == oldBase }, movedBase); err != nil || res.Pending != 1 {
			t.Fatalf("Move = %+v, %v; want 1 pending moved", res, err)
		}
		synctest.Wait()
		select {
		case id := <-p.posted:
			t.Fatalf("%s posted at once: Run does not watch the file", id)
		default:
		}
		time.Sleep(MaxBackoff)
		synctest.Wait()
		select {
		case id := <-p.posted:
			if id != "a" || time.Since(moved) > MaxBackoff {
				t.Errorf("posted %s %s after the move; want a within %s", id, time.Since(moved), MaxBackoff)
			}
		default:
			t.Errorf("body %d not posted %s after its move", recs[0].ID, MaxBackoff)
		}
		cancel()
		<-done
	})
}

// The README's account of outbox move says when each sender tries a
// moved body: a flush at once, serve's resender at its next pass, within
// MaxBackoff; never that serve tries it at once.
func TestReadmeMoveSaysWhenServeTriesIt(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(md)), " ")
	_, sec, ok := strings.Cut(text, "`outbox move --from OLD --to NEW` is that deliberate act")
	if !ok {
		t.Fatal("README.md does not describe outbox move")
	}
	sec, _, _ = strings.Cut(sec, "The records of `OLD`'s incomplete sends")
	for _, w := range []string{
		"`outbox flush --backend-url NEW` (with NEW's token) then delivers them at once",
		fmt.Sprintf("a running `serve`'s resender, for the bodies it stored, tries the new URL at its next pass, within %d min", int(MaxBackoff.Minutes())),
	} {
		if !strings.Contains(sec, w) {
			t.Errorf("README.md's outbox move does not say %q", w)
		}
	}
	if strings.Contains(sec, "tries the new URL at once") {
		t.Errorf("README.md says serve's resender tries a moved body at once: %s", sec)
	}
}
