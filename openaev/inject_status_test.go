package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// InjectState reads the inject's contract from the same GET as its
// status: the stand-in's answer (the platform's Inject entity, its
// inject_injector_contract the whole InjectorContract), and raw answers
// of other shapes, which read as not saying rather than as an error.
func TestInjectStateContract(t *testing.T) {
	e := newEnv(t)
	e.platform.AddInject("with", openaev.ContractID("noop"))
	e.platform.AddInject("without", "")
	for id, want := range map[string]string{"with": openaev.ContractID("noop"), "without": ""} {
		in, err := e.client.InjectState(context.Background(), id)
		if err != nil || in.Status != "QUEUING" || in.ContractID != want || in.NoContract != (want == "") {
			t.Errorf("%s: state %+v, %v; want QUEUING and contract %q", id, in, err, want)
		}
	}

	const c = "5b5f5ad8-7f0b-5c3e-9d6b-111111111111"
	tests := []struct {
		name, body, want string
		none             bool // NoContract: the platform says the inject has none
	}{
		{"2.4.0: the contract entity", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_type":"injectkit",` +
			`"inject_injector_contract":{"injector_contract_id":"` + c + `","injector_contract_injectors":["inj"],"injector_contract_injector_type":"injectkit"}}`, c, false},
		{"no such field (an older platform)", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"}}`, "", false},
		{"null", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_injector_contract":null}`, "", true},
		{"an id", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_injector_contract":"` + c + `"}`, c, false},
		{"another shape", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_injector_contract":[1]}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/injects/i-1" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			})
			client, err := openaev.NewClient(openaev.Config{URL: be.URL, Token: testToken})
			if err != nil {
				t.Fatal(err)
			}
			in, err := client.InjectState(context.Background(), "i-1")
			if err != nil || in.Status != "PENDING" || in.ContractID != tt.want || in.NoContract != tt.none {
				t.Errorf("state %+v, %v; want PENDING, contract %q, no contract %v", in, err, tt.want, tt.none)
			}
		})
	}
}

// CheckContract refuses an inject whose contract is not the injector's,
// naming the injector whose contract it is when one of names has it, and
// one the platform says has none (2.4.0 loses every callback of it); it
// lets through a state that does not say.
func TestCheckContract(t *testing.T) {
	names := []string{"nmap", "noop", "query"}
	other := "00000000-0000-4000-8000-000000000000"
	tests := []struct {
		name, contract, injector string
		none                     bool   // the platform says the inject has no contract
		owner                    string // "" with refused: none of names'
		refused                  bool
	}{
		{"its own", openaev.ContractID("query"), "query", false, "", false},
		{"its own, in upper case", strings.ToUpper(openaev.ContractID("query")), "query", false, "", false},
		{"not said", "", "query", false, "", false},
		{"none", "", "query", true, "", true},
		{"none, no injector known", "", "", true, "", false},
		{"no injector known", openaev.ContractID("nmap"), "", false, "", false},
		{"another injector's", openaev.ContractID("nmap"), "query", false, "nmap", true},
		{"no injector's of names", other, "query", false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := openaev.CheckContract(openaev.InjectState{ContractID: tt.contract, NoContract: tt.none}, "i-1", tt.injector, names)
			var cm *openaev.ContractMismatchError
			why := "would not store " + tt.injector + "'s findings"
			if tt.none {
				why = "loses every callback"
			}
			switch {
			case !tt.refused && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refused && (!errors.As(err, &cm) || cm.Owner != tt.owner || cm.Contract != tt.contract || cm.Injector != tt.injector):
				t.Errorf("error %#v, want a mismatch of %s owned by %q", err, tt.contract, tt.owner)
			case tt.refused && !strings.Contains(err.Error(), why):
				t.Errorf("error %q does not say why (%s)", err, why)
			}
		})
	}
}

// TestReceptionReceipt: the answer to a reception, the Inject entity the
// platform saved (2.4.0), says whether an earlier run's "complete" was
// taken (its COMPLETE traces). One that cannot be read does not fail the
// reception, which the platform took, and cannot say: Earlier. An answer
// without the inject's status (no body, no inject_status) is not the
// platform's own (2.4.0 answers 404 for an inject without a status): it
// cannot say either (tester t89's finding 1). An inject_status without
// traces is a fresh inject's.
func TestReceptionReceipt(t *testing.T) {
	content := `"inject_content":{"big":"` + strings.Repeat("x", 64<<10) + `"}`
	tests := []struct {
		name    string
		body    string
		want    openaev.Receipt
		earlier bool
	}{
		{name: "fresh", body: `{"inject_id":"i",` + content + `,"inject_status":{"status_name":"PENDING","status_traces":[]}}`},
		{name: "an INFO trace only", body: `{"inject_status":{"status_name":"PENDING","status_traces":[` +
			`{"execution_message":"published","execution_action":"EXECUTION","execution_status":"INFO"}]}}`},
		{name: "an earlier complete", body: `{` + content + `,"inject_status":{"status_name":"PENDING","status_traces":[` +
			`{"execution_message":"m","execution_action":"COMPLETE","execution_status":"SUCCESS"},` +
			`{"execution_message":"t","execution_action":"EXECUTION","execution_status":"INFO"},` +
			`{"execution_message":"m2","execution_action":"complete","execution_status":"ERROR"}]}}`,
			want: openaev.Receipt{Completes: 2}, earlier: true},
		// The platform's pending sweep: a COMPLETE TIMEOUT trace per agent,
		// no injector's complete (a redelivered message of a swept inject).
		{name: "the pending sweep's agent traces", body: `{"inject_status":{"status_name":"PENDING","status_traces":[` +
			`{"execution_message":"published","execution_action":"EXECUTION","execution_status":"INFO","agent":null},` +
			`{"execution_message":"Agent root did not respond within the 10 minutes threshold.","execution_action":"COMPLETE",` +
			`"execution_status":"TIMEOUT","agent":"ag1"}]}}`},
		{name: "an earlier complete beside the sweep's", body: `{"inject_status":{"status_name":"PENDING","status_traces":[` +
			`{"execution_message":"t","execution_action":"COMPLETE","execution_status":"TIMEOUT","agent":"ag1"},` +
			`{"execution_message":"m","execution_action":"COMPLETE","execution_status":"SUCCESS","agent":null}]}}`,
			want: openaev.Receipt{Completes: 1}, earlier: true},
		{name: "no traces", body: `{"inject_status":{"status_name":"PENDING"}}`},
		{name: "traces null", body: `{"inject_status":{"status_name":"PENDING","status_traces":null}}`},
		{name: "no body", want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "blank body", body: " \n", want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "no inject_status", body: `{"inject_id":"i"}`, want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "empty object", body: `{}`, want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "inject_status null", body: `{"inject_status":null}`, want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "JSON null", body: `null`, want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "not JSON", body: `<html>ok</html>`, want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "cut short", body: `{"inject_status":{"status_traces":[{"execution_action":"COMP`,
			want: openaev.Receipt{Unread: true}, earlier: true},
		{name: "traces of another shape", body: `{"inject_status":{"status_traces":"COMPLETE"}}`,
			want: openaev.Receipt{Unread: true}, earlier: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := transporttest.NewBackend(t)
			s.SetReply(transporttest.Reply{Status: 200, Body: tt.body})
			c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Reception(context.Background(), "i")
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || got.Earlier() != tt.earlier {
				t.Errorf("Reception = %+v (Earlier %v), want %+v (Earlier %v)", got, got.Earlier(), tt.want, tt.earlier)
			}
			if s.Len() != 1 {
				t.Errorf("%d receptions sent, want 1: the platform took it", s.Len())
			}
		})
	}
}

// TestCallbackForDeletedInject: a terminal callback for an inject the
// platform does not hold (deleted while it ran) is refused for good, a
// 404, with a token that is not an admin's; with an admin token the
// platform answers 200 and loses it, and the client, told nothing else,
// takes it as delivered. The reception is a 404 with either token.
func TestCallbackForDeletedInject(t *testing.T) {
	for _, admin := range []bool{false, true} {
		t.Run(map[bool]string{false: "user token", true: "admin token"}[admin], func(t *testing.T) {
			var opts []openaevtest.Option
			if admin {
				opts = append(opts, openaevtest.WithAdminToken())
			}
			p := openaevtest.NewPlatform(t, testToken, opts...)
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken}, openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.Reception(ctx, "gone"); !errors.Is(err, openaev.ErrPermanent) {
				t.Errorf("reception: %v, want a permanent refusal", err)
			}
			err = c.Callback(ctx, "gone", openaev.Execution{Message: "done", Status: openaev.StatusSuccess, Action: "complete"})
			var ae *openaev.APIError
			switch {
			case admin && err != nil:
				t.Errorf("callback with an admin token: %v, want the platform's 200", err)
			case !admin && (!errors.As(err, &ae) || ae.Status != 404 || !errors.Is(err, openaev.ErrPermanent)):
				t.Errorf("callback: %v, want a 404 refused for good", err)
			}
		})
	}
}

// A resend whose token the platform refuses (401 on the inject's status)
// stops there: no findings search, no callback carrying the refused
// token; the error says the token is refused and keeps the body pending
// (not permanent).
func TestResendStopsAtRefusedToken(t *testing.T) {
	body := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS",` +
		`"execution_action":"complete","execution_duration":0}`)
	tests := []struct {
		name  string
		index int
		want  int // requests the platform receives
	}{
		{"complete: the status request alone", 0, 1},
		{"data: sent without asking", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := receivedInject(t, "right-token", false)
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "wrong-token"}, openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			before := len(p.AllCalls())
			r := openaev.ResendPoster{Profile: openaev.NewProfile(c, nil, nil)}
			err = r.PostBody(context.Background(), "i1", tt.index, body)
			var ae *openaev.AuthorizationError
			if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(err.Error(), "refuses the token") {
				t.Fatalf("PostBody: %v, want the token refused", err)
			}
			var pe interface{ Permanent() bool }
			if errors.As(err, &pe) && pe.Permanent() {
				t.Errorf("PostBody: %v is permanent: the body would go dead", err)
			}
			if calls := p.AllCalls()[before:]; len(calls) != tt.want {
				t.Errorf("%d requests, want %d: %+v", len(calls), tt.want, calls)
			}
		})
	}
}
