package serve_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
)

type markedError struct{ permanent bool }

func (e markedError) Error() string   { return "marked" }
func (e markedError) Permanent() bool { return e.permanent }

func TestIsPermanent(t *testing.T) {
	base := errors.New("not json")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"marked", serve.Permanent(base), true},
		{"wrapped mark", fmt.Errorf("decode: %w", serve.Permanent(base)), true},
		{"another package's permanent error is not the mark", fmt.Errorf("x: %w", markedError{permanent: true}), false},
		{"context", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serve.IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if serve.Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	if !errors.Is(serve.Permanent(base), base) {
		t.Error("Permanent hides the error it marks")
	}
}

func TestBrokerStringHidesCredentials(t *testing.T) {
	tests := []struct {
		b    serve.Broker
		want string
	}{
		{serve.Broker{Host: "127.0.0.1", Port: 5672, User: "u", Pass: "hunter2"}, "amqp://127.0.0.1:5672/%2F"},
		{serve.Broker{Host: "127.0.0.1", Port: 5672, VHost: "/", User: "u", Pass: "hunter2"}, "amqp://127.0.0.1:5672/%2F"},
		{serve.Broker{Host: "h", Port: 5672, VHost: "a b/c?", User: "u"}, "amqp://h:5672/a%20b%2Fc%3F"},
		{serve.Broker{Host: "::1", Port: 5671, VHost: "openaev", User: "u", Pass: "hunter2", TLS: true}, "amqps://[::1]:5671/openaev"},
	}
	for _, tt := range tests {
		if got := tt.b.String(); got != tt.want || strings.Contains(got, "hunter2") || strings.Contains(got, "u@") {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestRegistrationValidate(t *testing.T) {
	ok := serve.Broker{Host: "127.0.0.1", Port: 5672}
	tests := []struct {
		name string
		reg  serve.Registration
		want string // substring of the error, "" for none
	}{
		{"valid", serve.Registration{Broker: ok, Queue: "q"}, ""},
		{"no queue", serve.Registration{Broker: ok}, "no queue"},
		{"no host", serve.Registration{Broker: serve.Broker{Port: 5672}, Queue: "q"}, "host"},
		{"port zero", serve.Registration{Broker: serve.Broker{Host: "h"}, Queue: "q"}, "port 0"},
		{"port too big", serve.Registration{Broker: serve.Broker{Host: "h", Port: 70000}, Queue: "q"}, "port 70000"},
		{"host with a slash", serve.Registration{Broker: serve.Broker{Host: "rabbit/x", Port: 5673}, Queue: "q"}, `host "rabbit/x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.reg.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestRunNeedsRegistrarAndHandler(t *testing.T) {
	h := serve.HandlerFunc(func(context.Context, []byte) error { return nil })
	for _, d := range []*serve.Daemon{{Handler: h}, {Registrar: &registrar{}}} {
		if err := d.Run(context.Background()); err == nil {
			t.Errorf("Run(%+v) = nil, want an error", d)
		}
	}
}

func TestRunStopsOnPermanentRegistrationError(t *testing.T) {
	refused := errors.New("401 unauthorized")
	reg := &registrar{err: serve.Permanent(refused)}
	d := &serve.Daemon{Registrar: reg, Handler: serve.HandlerFunc(func(context.Context, []byte) error { return nil })}
	err := d.Run(context.Background())
	if !errors.Is(err, refused) {
		t.Fatalf("Run = %v, want the registration error", err)
	}
	if reg.count() != 1 {
		t.Errorf("a permanent error was retried: %d calls", reg.count())
	}
}

func TestRunRejectsAnInvalidRegistration(t *testing.T) {
	reg := &registrar{reg: serve.Registration{Broker: serve.Broker{Host: "127.0.0.1", Port: 5672}}}
	d := &serve.Daemon{Registrar: reg, Handler: serve.HandlerFunc(func(context.Context, []byte) error { return nil })}
	if err := d.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no queue") {
		t.Fatalf("Run = %v, want an error about the missing queue", err)
	}
}

func TestRunRetriesRegistrationUntilCancelled(t *testing.T) {
	log, logs := testkit.LoggerAt(zap.WarnLevel)
	reg := &registrar{err: errors.New("connection refused")}
	d := &serve.Daemon{Registrar: reg, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Handler: serve.HandlerFunc(func(context.Context, []byte) error { return nil }), Log: log}
	stop := start(t, d)
	waitFor(t, "three registration attempts", func() bool { return reg.count() >= 3 })
	if err := stop(); err != nil {
		t.Fatalf("Run after cancellation = %v, want nil", err)
	}
	if logs.FilterMessage("registration failed").Len() < 3 {
		t.Errorf("failed registrations not logged: %v", logs.All())
	}
}

func TestRunFailsWhenTheListenAddressIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &serve.Daemon{Registrar: &registrar{}, ListenAddr: ln.Addr().String(),
		Handler: serve.HandlerFunc(func(context.Context, []byte) error { return nil })}
	if err := d.Run(context.Background()); err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("Run = %v, want a listen error naming the address", err)
	}
}
