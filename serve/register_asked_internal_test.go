package serve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
)

// askingRegistrar models a platform in maintenance: its first answers
// are 503s whose Retry-After asks for asked (the poster's
// *httpx.LateRetryError when that reaches the registration's limit, as
// openaev's client returns it, wrapped), then it takes the registration.
// It notes when each registration came (synctest's clock).
type askingRegistrar struct {
	asked   time.Duration
	refuses int // answers refused before one taken

	mu    sync.Mutex
	calls []time.Time
}

func (a *askingRegistrar) Register(context.Context) (Registration, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, time.Now())
	if len(a.calls) > a.refuses {
		return Registration{Queue: "q", Broker: Broker{Host: "127.0.0.1", Port: 5672}}, nil
	}
	he := &httpx.HTTPError{Op: "registration", Status: 503, Attempts: 1, RetryAfter: a.asked, Exhausted: true}
	return Registration{}, fmt.Errorf("register: %w", &httpx.LateRetryError{Last: he, Wait: httpx.DefaultMaxRetryAfter, Left: registerTimeout})
}

func (a *askingRegistrar) gaps() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(a.calls); i++ {
		gaps = append(gaps, a.calls[i].Sub(a.calls[i-1]))
	}
	return gaps
}

// serve's first registration, refused by a platform whose 503 asks with
// its Retry-After for a wait past the registration's limit, is tried
// again once that wait has passed (at most 10 minutes), not at serve's
// own backoff (0.5 s, 1 s…, which ignored the wait asked: t174,
// forty-sixth session); one line a failure says it, the wait in it
// (retry_in). A Retry-After shorter than the backoff leaves the backoff.
func TestRegistrationWaitsWhatThePlatformAsked(t *testing.T) {
	tests := []struct {
		name  string
		asked time.Duration
		want  time.Duration // the least gap between two registrations
		most  time.Duration // the most
	}{
		{"a minute", time.Minute, time.Minute, time.Minute},
		{"an hour: capped", time.Hour, 10 * time.Minute, 10 * time.Minute},
		{"less than the backoff", time.Millisecond, DefaultMinBackoff * 8 / 10, DefaultMinBackoff * 12 / 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log, logs := testkit.LoggerAt(zap.WarnLevel)
				reg := &askingRegistrar{asked: tt.asked, refuses: 1}
				r := newRunner(&Daemon{Registrar: reg, Log: log})
				if _, err := r.registerFirst(context.Background()); err != nil {
					t.Fatal(err)
				}
				gaps := reg.gaps()
				if len(gaps) != 1 || gaps[0] < tt.want || gaps[0] > tt.most {
					t.Errorf("gaps between registrations %v, want one from %v to %v", gaps, tt.want, tt.most)
				}
				lines := logs.FilterMessage("registration failed").All()
				if len(lines) != 1 {
					t.Fatalf("lines %v, want one registration failed", logs.All())
				}
				if got, _ := lines[0].ContextMap()["retry_in"].(time.Duration); got != gaps[0] {
					t.Errorf("retry_in %v, want the wait made, %v", got, gaps[0])
				}
			})
		})
	}
}

// A stop during that wait ends it at once: registerFirst returns ctx's
// error, no time passed on synctest's clock.
func TestRegistrationWaitStopsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := &askingRegistrar{asked: time.Hour, refuses: 2}
		r := newRunner(&Daemon{Registrar: reg})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := r.registerFirst(ctx)
			done <- err
		}()
		synctest.Wait() // the first refused, registerFirst waits
		start := time.Now()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want ctx's", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("stopped after %v, want at once", waited)
		}
		if n := len(reg.gaps()); n != 0 {
			t.Errorf("%d registrations after the first, want none", n)
		}
	})
}
