package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerSettles checks how the serve Handler maps each outcome of a
// message onto the daemon's settlement, and that no outcome runs an
// inject twice or loses its result.
func TestHandlerSettles(t *testing.T) {
	type want struct {
		settle      string // "ack", "reject", "requeue", "unauthorized", "unauthorized durable"
		runs        int32
		outbox      map[outbox.State]int
		completions int
		log         string // a log message snippet, "" for none
	}
	tests := []struct {
		name        string
		opts        serveOpts
		setup       func(t *testing.T, s *serveEnv)
		body        string // "" for the nmap message of inject i-1
		redelivered bool
		want        want
	}{
		{name: "delivered", want: want{settle: "ack", runs: 1, completions: 1}},
		{name: "redelivered, not finished: run", redelivered: true,
			want: want{settle: "ack", runs: 1, completions: 1, log: "redelivered message of an unfinished inject"}},
		{name: "redelivered, finished: not run, no reopening", redelivered: true,
			setup: func(t *testing.T, s *serveEnv) { s.completeFirst(t) },
			want:  want{settle: "ack", runs: 1, completions: 1, log: "redelivered message of a finished inject"}},
		{name: "redelivered, status unreadable: run, and why logged", redelivered: true,
			opts:  serveOpts{via: statusless(http.StatusServiceUnavailable)},
			setup: func(t *testing.T, s *serveEnv) { s.completeFirst(t) },
			want:  want{settle: "ack", runs: 2, completions: 2, log: "the inject's status cannot be read; running it"}},
		{name: "redelivered, status not found: run", redelivered: true,
			opts: serveOpts{via: statusless(http.StatusNotFound)},
			want: want{settle: "ack", runs: 1, completions: 1, log: "the inject's status cannot be read; running it"}},
		{name: "redelivered, status refused: run", redelivered: true,
			opts: serveOpts{via: statusless(http.StatusForbidden)},
			want: want{settle: "ack", runs: 1, completions: 1, log: "the inject's status cannot be read; running it"}},
		{name: "401 on complete, outbox: durable, acknowledged, pending", opts: serveOpts{outbox: true},
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusUnauthorized, 1) },
			want:  want{settle: "unauthorized durable", runs: 1, outbox: map[outbox.State]int{outbox.Pending: 1}}},
		{name: "403 on complete, outbox", opts: serveOpts{outbox: true},
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusForbidden, 1) },
			want:  want{settle: "unauthorized durable", runs: 1, outbox: map[outbox.State]int{outbox.Pending: 1}}},
		{name: "404 on complete after the reception: authorization", opts: serveOpts{outbox: true},
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusNotFound, 1) },
			want:  want{settle: "unauthorized durable", runs: 1, outbox: map[outbox.State]int{outbox.Pending: 1}}},
		{name: "401 on complete, no outbox: requeued as unauthorized",
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusUnauthorized, 1) },
			want:  want{settle: "unauthorized", runs: 1}},
		{name: "404 on the reception of a dispatched inject: nothing runs",
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailReception("i-1", http.StatusNotFound, 1) },
			want:  want{settle: "unauthorized", runs: 0}},
		{name: "400 on complete: rejected, dead", opts: serveOpts{outbox: true},
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusBadRequest, 1) },
			want:  want{settle: "reject", runs: 1, outbox: map[outbox.State]int{outbox.Dead: 1}}},
		{name: "503 on complete, outbox: kept and acknowledged", opts: serveOpts{outbox: true},
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 9) },
			want:  want{settle: "ack", runs: 1, outbox: map[outbox.State]int{outbox.Pending: 1}}},
		{name: "503 on complete, no outbox: requeued",
			setup: func(_ *testing.T, s *serveEnv) { s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 9) },
			want:  want{settle: "requeue", runs: 1}},
		{name: "not JSON: rejected", body: `{"injection":`, want: want{settle: "reject"}},
		{name: "unselected injector: INVALID_USAGE, rejected", opts: serveOpts{injectors: "noop"},
			want: want{settle: "reject", runs: 0, completions: 1, log: "inject rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, tt.opts)
			body := []byte(tt.body)
			if tt.body == "" {
				body = s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			}
			if tt.setup != nil {
				tt.setup(t, s)
			}
			err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body, Redelivered: tt.redelivered})
			if got := settlement(err); got != tt.want.settle {
				t.Errorf("settlement %s (%v), want %s", got, err, tt.want.settle)
			}
			if n := s.nmap.calls.Load(); n != tt.want.runs {
				t.Errorf("nmap ran %d times, want %d", n, tt.want.runs)
			}
			if n := len(s.platform.Completions("i-1")); n != tt.want.completions {
				t.Errorf("%d completions, want %d", n, tt.want.completions)
			}
			if r := s.platform.Reopenings("i-1"); r != max(tt.want.completions-1, 0) {
				t.Errorf("%d reopenings", r)
			}
			if s.store != nil {
				if got := s.records(t); len(got)+len(tt.want.outbox) > 0 && !equalCounts(got, tt.want.outbox) {
					t.Errorf("outbox %v, want %v", got, tt.want.outbox)
				}
			}
			if tt.want.log != "" && s.logs.FilterMessageSnippet(tt.want.log).Len() == 0 {
				t.Errorf("no log line %q", tt.want.log)
			}
			assertNoSecret(t, s.logs, testToken)
		})
	}
}

// completeFirst runs i-1's message once: the platform then holds it
// finished.
func (s *serveEnv) completeFirst(t *testing.T) {
	t.Helper()
	if err := s.proc.Process(context.Background(), s.message(t, "i-1", "nmap",
		map[string]any{"targets": "192.0.2.1"}, nil, nil)); err != nil {
		t.Fatal(err)
	}
}

func settlement(err error) string {
	var ue *serve.UnauthorizedError
	switch {
	case err == nil:
		return "ack"
	case errors.As(err, &ue) && ue.Durable:
		return "unauthorized durable"
	case errors.As(err, &ue):
		return "unauthorized"
	case serve.IsPermanent(err):
		return "reject"
	}
	return "requeue"
}

func equalCounts(a, b map[outbox.State]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAuthorizationErrors checks which refusals are the token's: 401 and
// 403 always, 404 on the reception of a dispatched inject or on the
// terminal callback of a received one; a 404 on the reception of an
// inject nobody dispatched (`run --openaev-message`) stays a refused
// message.
func TestAuthorizationErrors(t *testing.T) {
	tests := []struct {
		name       string
		dispatched bool
		setup      func(p *openaevtest.Platform)
		wantAuth   bool
		wantMsgErr bool
	}{
		{"reception 401", false, func(p *openaevtest.Platform) { p.FailReception("i-1", 401, 1) }, true, false},
		{"reception 403", false, func(p *openaevtest.Platform) { p.FailReception("i-1", 403, 1) }, true, false},
		{"reception 404, dispatched", true, func(p *openaevtest.Platform) { p.FailReception("i-1", 404, 1) }, true, false},
		{"reception 404, not dispatched", false, func(p *openaevtest.Platform) { p.FailReception("i-1", 404, 1) }, false, true},
		{"denied inject, dispatched", true, func(p *openaevtest.Platform) { p.DenyInject("i-1") }, true, false},
		{"complete 404 after the reception", false, func(p *openaevtest.Platform) { p.FailComplete("i-1", 404, 1) }, true, false},
		{"complete 400", false, func(p *openaevtest.Platform) { p.FailComplete("i-1", 400, 1) }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			body := e.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			tt.setup(e.platform)
			ctx := context.Background()
			if tt.dispatched {
				ctx = openaev.Dispatched(ctx)
			}
			err := e.proc.Process(ctx, body)
			var auth *openaev.AuthorizationError
			var me *openaev.MessageError
			if errors.As(err, &auth) != tt.wantAuth || errors.As(err, &me) != tt.wantMsgErr {
				t.Fatalf("err = %v (%T), want authorization %v, message error %v", err, err, tt.wantAuth, tt.wantMsgErr)
			}
			if tt.wantAuth && (auth.Permanent() || !strings.Contains(err.Error(), "refuses the token")) {
				t.Errorf("authorization error %v: permanent %v", err, auth.Permanent())
			}
		})
	}
}

func TestInjectStatus(t *testing.T) {
	e := newEnv(t)
	e.platform.AddInject("i-1", openaev.ContractID("noop"))
	ctx := context.Background()
	if st, err := e.client.InjectStatus(ctx, "i-1"); err != nil || st != "QUEUING" {
		t.Fatalf("status %q %v", st, err)
	}
	var ae *openaev.APIError
	if _, err := e.client.InjectStatus(ctx, "nope"); !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Errorf("unknown inject: %v", err)
	}
	if _, err := e.client.InjectStatus(ctx, " "); err == nil {
		t.Error("blank inject id accepted")
	}
}
