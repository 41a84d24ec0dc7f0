package openaevtest_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRenewedTokenAuthenticatesNobody: once the token's user renews it
// (2.4.0's POST /api/me/token/refresh, MeApi.renewToken), the value
// before is a token the platform does not know: every route answers it
// 401 with an empty body and acts on nothing (no trace, no status, no
// reopening), the new value is taken with the same rights; a callback
// answered 200 and held before the renewal is processed all the same (the
// batch worker checks no token).
func TestRenewedTokenAuthenticatesNobody(t *testing.T) {
	const renewed = "renewed-token-1"
	p := openaevtest.NewPlatform(t, token, openaevtest.WithHeldIngestion())
	receive(t, p, "i1")
	info := []byte(`{"execution_message":"held before","execution_status":"INFO","execution_action":"command_execution"}`)
	if st, _ := post(t, p, "/api/injects/execution/callback/i1", token, "application/json", info); st != http.StatusOK {
		t.Fatalf("trace before the renewal: %d, want 200", st)
	}
	p.RenewToken(renewed)

	complete := []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete"}`)
	for _, tt := range []struct{ name, method, path string }{
		{"callback", http.MethodPost, "/api/injects/execution/callback/i1"},
		{"reception", http.MethodPost, "/api/injects/execution/reception/i1"},
		{"inject", http.MethodGet, "/api/injects/i1"},
		{"version", http.MethodGet, "/api/settings/version"},
	} {
		var body []byte
		if tt.method == http.MethodPost {
			body = complete
			if tt.name == "reception" {
				body = []byte(`{"tracking_total_count":1}`)
			}
		}
		st, b := call(t, p, tt.method, tt.path, "Bearer "+token, body)
		if st != http.StatusUnauthorized || len(b) != 0 {
			t.Errorf("%s with the token before the renewal: %d %q, want 401 and no body", tt.name, st, b)
		}
	}
	if n := p.Ingest(); n != 1 {
		t.Fatalf("the worker processed %d held callbacks, want the one taken before the renewal", n)
	}
	h, _ := p.Held("i1")
	if h.Status != "PENDING" || h.Reopenings != 0 || len(h.Traces) != 1 || h.Traces[0].Message != "held before" {
		t.Fatalf("after the refused calls: %+v, want PENDING with the held trace alone", h)
	}

	if st, _ := post(t, p, "/api/injects/execution/callback/i1", renewed, "application/json", complete); st != http.StatusOK {
		t.Fatalf("complete with the renewed token: %d, want 200", st)
	}
	p.Ingest()
	c := p.Completions("i1")
	if len(c) != 1 || c[0].Outcome != openaevtest.Processed {
		t.Fatalf("completions %+v, want the renewed token's processed", c)
	}
	if h, _ := p.Held("i1"); h.Status != "EXECUTED" {
		t.Errorf("status %q after the renewed token's complete, want EXECUTED", h.Status)
	}
}

// call sends one request with the Authorization header auth and answers
// its status and body.
func call(t *testing.T, p *openaevtest.Platform, method, path, auth string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, p.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, b := doRequest(t, req)
	return resp.StatusCode, b
}
