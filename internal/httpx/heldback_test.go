package httpx

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// r16 F6: an attempt Request.Before holds back (a *NotYetError) takes one
// of the Poster's attempts but is no request: every Attempts Do reports
// counts the requests made only, whether the attempts run out, a request
// ends them, or a stop cuts a wait; a stop after attempts held back alone
// is a stop before any request (ctx's error). A record keeps the same
// count of attempts whichever way its send ended.
func TestPosterAttemptsCountRequestsOnly(t *testing.T) {
	tests := []struct {
		name string
		// plan says, attempt by attempt, whether Before lets it go
		// ('R') or holds it back ('H'); the server answers 504 to the
		// first failing requests, 200 after.
		plan    string
		failing int
		stopAt  int // the wait during which the run stops, 0: never
		// want is the Attempts reported, what it is reported in.
		want int
		in   string
	}{
		{"held back until spent", "RHHH", 4, 0, 1, "NotYetError"},
		{"stopped after two held back", "RHHH", 4, 3, 1, "InterruptedError"},
		{"a request after one held back", "RHR", 4, 0, 2, "HTTPError"},
		{"delivered after one held back", "HR", 0, 0, 1, "Reply"},
		{"stopped, held back only", "HHHH", 0, 2, 0, "ctx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, recorder.Repeat(tt.failing, http.StatusGatewayTimeout, "")...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := Poster{Client: NewDefaultClient(), Attempts: len(tt.plan), Timer: &stopTimer{at: tt.stopAt, stop: cancel}}
			rep, err := p.Do(ctx, Request{Op: "complete", URL: srv.URL, Body: []byte(`{}`),
				Before: func(_ context.Context, n, _ int) error {
					if tt.plan[n-1] == 'H' {
						return &NotYetError{Err: errors.New("window"), Until: time.Now().Add(time.Minute)}
					}
					return nil
				}})
			var (
				ny  *NotYetError
				ie  *InterruptedError
				he  *HTTPError
				got = -1
				in  string
			)
			switch {
			case err == nil:
				got, in = rep.Attempts, "Reply"
			case errors.As(err, &ny) && ny.Last != nil:
				got, in = ny.Last.Attempts, "NotYetError"
			case errors.As(err, &ie):
				got, in = ie.Attempts, "InterruptedError"
				if ie.Last == nil || ie.Last.Attempts != ie.Attempts {
					t.Errorf("InterruptedError.Last = %+v, want the failure of request %d", ie.Last, ie.Attempts)
				}
			case errors.As(err, &he):
				got, in = he.Attempts, "HTTPError"
			case err == context.Canceled:
				got, in = rep.Attempts, "ctx"
			}
			made := len(srv.Requests())
			if in != tt.in || got != tt.want || rep.Attempts != made || made != tt.want {
				t.Errorf("Do = %v: %d attempts in the %s, Reply.Attempts %d, %d requests made; want %d in the %s",
					err, got, in, rep.Attempts, made, tt.want, tt.in)
			}
		})
	}
}

// stopTimer is a Timer whose waits end at once but for wait number at
// (counted from 1), which calls stop and never ends.
type stopTimer struct {
	mu   sync.Mutex
	n    int
	at   int
	stop func()
}

func (s *stopTimer) After(time.Duration) <-chan time.Time {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	ch := make(chan time.Time, 1)
	if n == s.at {
		s.stop()
		return ch
	}
	ch <- time.Now()
	return ch
}
