package serve

import (
	"context"
	"errors"
	"testing"
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
