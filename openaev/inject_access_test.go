package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestAuthorizationErrors checks which refusals are the token's: 401 and
// 403 always; on a 1.x platform (access denied is 404), also a 404 on the
// reception of a dispatched inject or on the terminal callback of a
// received one; a 404 on the reception of an inject nobody dispatched
// (`run --openaev-message`) stays a refused message. From 2.0.0 on (2.4.0,
// current) access denied is 403, and such a 404 is the inject deleted: a
// refused message, or a callback refused for good.
func TestAuthorizationErrors(t *testing.T) {
	type row struct {
		name       string
		dispatched bool
		// The platform's refusal: status on the first reception, or on
		// the first terminal callback when complete; deny hides the inject.
		status               int
		complete, deny       bool
		wantAuth, wantMsgErr bool
	}
	always := []row{
		{name: "reception 401", status: 401, wantAuth: true},
		{name: "reception 403", status: 403, wantAuth: true},
		{name: "reception 404, not dispatched", status: 404, wantMsgErr: true},
		{name: "denied inject, dispatched", dispatched: true, deny: true, wantAuth: true},
		{name: "complete 400", complete: true, status: 400},
	}
	tests := map[string][]row{
		"1.18.19": append(always,
			row{name: "reception 404, dispatched", dispatched: true, status: 404, wantAuth: true},
			row{name: "complete 404 after the reception", complete: true, status: 404, wantAuth: true}),
	}
	for _, v := range []string{openaevtest.Version24.String(), openaevtest.Current.String()} {
		tests[v] = append(always,
			row{name: "reception 404, dispatched: deleted", dispatched: true, status: 404, wantMsgErr: true},
			row{name: "complete 404 after the reception: deleted", complete: true, status: 404})
	}
	for version, rows := range tests {
		for _, tt := range rows {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersionString(version)})
				body := e.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
				switch {
				case tt.deny:
					e.platform.DenyInject("i-1")
				case tt.complete:
					e.platform.FailComplete("i-1", tt.status, 1)
				default:
					e.platform.FailReception("i-1", tt.status, 1)
				}
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
				if !tt.wantAuth && tt.status == http.StatusNotFound && !errors.Is(err, openaev.ErrPermanent) {
					t.Errorf("404 not an authorization: %v, want a refusal for good", err)
				}
			})
		}
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
