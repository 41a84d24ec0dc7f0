package serve

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
)

// answeredRegistrar models a platform that answers each registration
// attempt at once with a retryable refusal (a 503 asking for a
// Retry-After longer than the registration's limit): its first attempt
// fails with answer, noted as a retry (NoteRetry), and the poster then
// waits for the next attempt until ctx ends, returning what httpx's
// Poster returns then, an *InterruptedError ended during a wait.
// hangs makes a second attempt that gets no answer instead.
type answeredRegistrar struct {
	answer error
	hangs  bool
}

func (a answeredRegistrar) Register(ctx context.Context) (Registration, error) {
	NoteRetry(ctx, a.answer)
	<-ctx.Done()
	ie := &httpx.InterruptedError{Err: ctx.Err(), Attempts: 1, Waiting: !a.hangs}
	if a.hangs {
		ie.Attempts, ie.Connected = 2, true
	}
	return Registration{}, fmt.Errorf("registration: Post %q: %w", "http://platform.test/api/injectors", ie)
}

// A registration whose limit ends while it waits to retry after an answer
// (a 503 with a long Retry-After) says what the platform answered, on
// /healthz and in its line: "no answer within 30s" would send the
// operator after a platform that hangs, or a network that drops, when the
// platform answers at once. An attempt that hung after that answer is
// still "no answer within 30s".
func TestRegistrationTimeoutWhileWaitingNamesTheAnswer(t *testing.T) {
	tests := []struct {
		name             string
		hangs            bool
		wantHealth       string
		wantLog, notWant []string
	}{
		{"waiting to retry after a 503", false,
			ReasonRegistration + ": status 503 (its retry was due after the registration's limit of " + registerTimeout.String() + ")",
			[]string{"status 503: the body", registerTimeout.String(), "waiting to retry"},
			[]string{"no answer", "deadline exceeded"}},
		{"the retry hung", true,
			ReasonRegistration + ": no answer within " + registerTimeout.String(),
			[]string{"no answer within " + registerTimeout.String(), "http://platform.test/api/injectors"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log, logs := testkit.LoggerAt(zap.WarnLevel)
				reg := answeredRegistrar{answer: statusError{"status 503"}, hangs: tt.hangs}
				r := newRunner(&Daemon{Registrar: reg, Log: log})
				r.connected.Store(true)
				if _, err := r.register(context.Background(), "heartbeat"); err == nil {
					t.Fatal("a registration refused at every attempt succeeded")
				}
				if h := r.health(); h.Reason != tt.wantHealth {
					t.Errorf("/healthz reason %q, want %q", h.Reason, tt.wantHealth)
				}
				lines := logs.FilterMessage("heartbeat failed").All()
				if len(lines) != 1 {
					t.Fatalf("lines %v, want one heartbeat failed", logs.All())
				}
				msg := lines[0].ContextMap()["error"].(string)
				for _, want := range tt.wantLog {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not say %q", msg, want)
					}
				}
				for _, not := range tt.notWant {
					if strings.Contains(msg, not) {
						t.Errorf("error %q says %q", msg, not)
					}
				}
			})
		})
	}
}
