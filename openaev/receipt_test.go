package openaev_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

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
			s := testkit.NewBackend(t)
			s.SetReply(testkit.Reply{Status: 200, Body: tt.body})
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
