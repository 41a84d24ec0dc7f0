package outbox

import (
	"context"
	"slices"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// scriptedPoster is a backend whose answer to each body is scripted by
// inject id (nil: taken), recording the order of the bodies it was sent.
type scriptedPoster struct {
	mu     sync.Mutex
	answer map[string]error
	tried  []string
}

func (p *scriptedPoster) PostBody(_ context.Context, injectID string, _ int, _ []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tried = append(p.tried, injectID)
	return p.answer[injectID]
}

func (p *scriptedPoster) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.tried)
}

// A backend found up again (serve's heartbeat succeeded, or a callback it
// accepted: Resender.Up) has its pending bodies sent at once, in their
// order, not each at the end of its own backoff (up to MaxBackoff, 5
// minutes, after the platform was back): until one is not delivered, so
// that a backend only half back meets one failed attempt, not a burst of
// every body. A body the Resender delivers counts the same for the bodies
// after it. Before, after the platform came back, its bodies waited for
// their next attempt, minutes later. No time passes in these cases: what
// is sent is sent at once.
func TestRunSendsABackendsBodiesOnceItIsUp(t *testing.T) {
	const base, other = "http://127.0.0.1:1", "http://127.0.0.1:2"
	refused := syscall.ECONNREFUSED
	status500 := &httpx.HTTPError{Op: "callback", Status: 500, Attempts: 1}
	for _, tc := range []struct {
		name   string
		due    string           // the body due now, if any (the others wait minutes)
		status map[string]int   // the last answer of a body, by inject id (others: none, the backend out of reach)
		up     []string         // the base URLs told up
		answer map[string]error // the backend's answers, by inject id (others: taken)
		want   []string         // the bodies tried, in order, with no time passing
	}{
		{name: "a heartbeat: every body, in order", up: []string{""}, want: []string{"a", "b", "c"}},
		{name: "its own base URL", up: []string{base}, want: []string{"a", "b", "c"}},
		{name: "another backend up: nothing", up: []string{other}, want: nil},
		{name: "nothing told: nothing", want: nil},
		{name: "half back: one failed attempt, no burst", up: []string{""}, answer: map[string]error{"a": status500}, want: []string{"a"}},
		{name: "still down: one attempt", up: []string{""}, answer: map[string]error{"a": refused}, want: []string{"a"}},
		{name: "taken, then refused: the rest wait", up: []string{""}, answer: map[string]error{"b": status500}, want: []string{"a", "b"}},
		{name: "a body due delivered: the others follow", due: "a", want: []string{"a", "b", "c"}},
		{name: "a body due refused: the others wait", due: "a", answer: map[string]error{"a": status500}, want: []string{"a"}},
		{name: "a body refused for its own keeps its schedule", up: []string{""}, status: map[string]int{"b": 500}, want: []string{"a", "c"}},
		{name: "a 502, 503 or 504: the backend out of reach", up: []string{""}, status: map[string]int{"a": 502, "b": 503, "c": 504}, want: []string{"a", "b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := openTemp(t, Options{})
				recs, err := s.Put(Entry{InjectID: "a", Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"a":1}`)},
					Entry{InjectID: "b", Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"b":1}`)},
					Entry{InjectID: "c", Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"c":1}`)})
				if err != nil {
					t.Fatal(err)
				}
				later := time.Now().Add(4 * time.Minute)
				for _, r := range recs {
					next := later
					if r.InjectID == tc.due {
						next = time.Now().Add(time.Second)
					}
					if err := s.markAnswered(r.ID, failedAttempts{n: 8}, tc.status[r.InjectID], "down", next); err != nil {
						t.Fatal(err)
					}
				}
				p := &scriptedPoster{answer: tc.answer}
				rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- rs.Run(ctx) }()
				defer func() { cancel(); <-done }()
				synctest.Wait() // the first pass: nothing due
				if tc.due != "" {
					time.Sleep(time.Second)
				}
				for _, u := range tc.up {
					rs.Up(u)
				}
				synctest.Wait()
				if got := p.sent(); !slices.Equal(got, tc.want) {
					t.Fatalf("bodies tried %v, want %v", got, tc.want)
				}
				// The bodies not delivered keep their schedule: all of
				// them are sent once it comes.
				p.mu.Lock()
				p.answer = nil
				p.mu.Unlock()
				time.Sleep(MaxBackoff)
				synctest.Wait()
				if st, err := s.Stats(); err != nil || st.Pending != 0 {
					t.Errorf("pending after %s: %+v, %v; want none", MaxBackoff, st, err)
				}
			})
		})
	}
}
