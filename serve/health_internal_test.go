package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
)

// scriptedRegistrar answers each registration with the next error of errs
// (nil: accepted).
type scriptedRegistrar struct{ errs []error }

func (s *scriptedRegistrar) Register(ctx context.Context) (Registration, error) {
	err := s.errs[0]
	s.errs = s.errs[1:]
	if err != nil {
		return Registration{}, err
	}
	return okRegistrar{}.Register(ctx)
}

// statusError is a platform's refusal that says what failed.
type statusError struct{ why string }

func (e statusError) Error() string        { return "registration rejected: " + e.why + ": the body" }
func (e statusError) HealthReason() string { return e.why }

// A failing heartbeat's /healthz reason says what failed when its error
// says it (a HealthReasoner), and is the generic one otherwise.
func TestHealthNamesWhatTheRegistrationFailedWith(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"token refused", statusError{"status 401 (token refused)"},
			ReasonRegistration + ": status 401 (token refused)"},
		{"wrapped", errors.Join(errors.New("heartbeat"), Permanent(statusError{"status 503"})),
			ReasonRegistration + ": status 503"},
		{"says nothing", errors.New("registration postponed"), ReasonRegistration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(&Daemon{Registrar: &scriptedRegistrar{errs: []error{nil, tt.err, errors.New("other"), nil}}})
			ctx := context.Background()
			if _, err := r.register(ctx, "registration"); err != nil {
				t.Fatal(err)
			}
			r.connected.Store(true)
			if h := r.health(); h.Status != "ok" {
				t.Fatalf("health after a registration: %+v", h)
			}
			_, _ = r.register(ctx, "heartbeat")
			if h := r.health(); h.Status == "ok" || h.Reason != tt.want {
				t.Errorf("health after a failed heartbeat: %+v, want the reason %q", h, tt.want)
			}
			// The next failure's reason replaces it; a success clears it.
			_, _ = r.register(ctx, "heartbeat")
			if h := r.health(); h.Reason != ReasonRegistration {
				t.Errorf("reason after a failure that says nothing: %q", h.Reason)
			}
			_, _ = r.register(ctx, "heartbeat")
			if h := r.health(); h.Status != "ok" {
				t.Errorf("health after the registration recovered: %+v", h)
			}
		})
	}
}

// blockingRegistrar answers no registration: it returns when ctx ends.
type blockingRegistrar struct{}

func (blockingRegistrar) Register(ctx context.Context) (Registration, error) {
	<-ctx.Done()
	return Registration{}, fmt.Errorf("registration: Post %q: %w", "http://platform.test/api/injectors", ctx.Err())
}

// A platform that does not answer a registration: the line and /healthz
// name the limit the registration ran out of, besides the request.
func TestRegistrationTimeoutNamesTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log, logs := testkit.LoggerAt(zap.WarnLevel)
		r := newRunner(&Daemon{Registrar: blockingRegistrar{}, Log: log})
		r.connected.Store(true)
		_, err := r.register(context.Background(), "registration")
		if err == nil {
			t.Fatal("a registration with no answer succeeded")
		}
		lines := logs.FilterMessage("registration failed").All()
		if len(lines) != 1 {
			t.Fatalf("lines %v, want one registration failed", logs.All())
		}
		msg := lines[0].ContextMap()["error"].(string)
		for _, want := range []string{registerTimeout.String(), "http://platform.test/api/injectors", "deadline exceeded"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if h := r.health(); !strings.Contains(h.Reason, "no answer within "+registerTimeout.String()) {
			t.Errorf("/healthz reason %q does not name the limit", h.Reason)
		}
	})
}

// retryingRegistrar notes err as a failed attempt (NoteRetry), hands the
// test a turn on noted, and waits on resume before answering the
// registration with result.
type retryingRegistrar struct {
	err           error
	noted, resume chan struct{}
}

func (s retryingRegistrar) Register(ctx context.Context) (Registration, error) {
	NoteRetry(ctx, s.err)
	s.noted <- struct{}{}
	<-s.resume
	return okRegistrar{}.Register(ctx)
}

// While the first registration's attempts fail and it retries, /healthz
// says why already, not only once the last attempt failed; a success
// makes it ok.
func TestHealthNamesTheFailureOfARetriedRegistration(t *testing.T) {
	reg := retryingRegistrar{err: statusError{"no response: connection refused"}, noted: make(chan struct{}), resume: make(chan struct{})}
	r := newRunner(&Daemon{Registrar: reg})
	r.connected.Store(true)
	done := make(chan error)
	go func() {
		_, err := r.register(context.Background(), "registration")
		done <- err
	}()
	<-reg.noted
	want := ReasonRegistration + ": no response: connection refused (retrying)"
	if h := r.health(); h.Status == "ok" || h.Reason != want {
		t.Errorf("health while the registration retries: %+v, want the reason %q", h, want)
	}
	close(reg.resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if h := r.health(); h.Status != "ok" {
		t.Errorf("health after the registration succeeded: %+v", h)
	}
	// A context Register was not called with carries no note: nothing
	// is recorded.
	before := r.regFailure.Load()
	NoteRetry(context.Background(), reg.err)
	if after := r.regFailure.Load(); after != before {
		t.Errorf("NoteRetry outside a registration recorded %q", *after)
	}
}

// Before its first registration has ended (sent, or its first attempt
// failed), /healthz is unavailable for starting, not for a registration
// failing: none failed yet (injectkit_heartbeats_total{result="error"} is
// 0), and an operator reading "failing" at every start would look for a
// fault that is not there.
func TestHealthSaysStartingBeforeTheFirstRegistration(t *testing.T) {
	r := newRunner(&Daemon{Registrar: &scriptedRegistrar{errs: []error{errors.New("down"), nil}}})
	if h := r.health(); h.Status == "ok" || h.Reason != ReasonStarting {
		t.Errorf("health before any registration: %+v, want the reason %q", h, ReasonStarting)
	}
	_, _ = r.register(context.Background(), "registration")
	if h := r.health(); h.Reason != ReasonRegistration {
		t.Errorf("health after the first registration failed: %+v, want the reason %q", h, ReasonRegistration)
	}
}
