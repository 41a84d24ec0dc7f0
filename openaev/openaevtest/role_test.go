package openaevtest_test

import (
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestUnknownInjectByRole: a callback for an inject that does not exist is
// a 404 for a token that is not an admin's (PermissionService looks the
// inject up), and a 200 for an admin token (let through unlooked-up),
// which the platform then loses: queued, the batch only logs the
// ElementNotFoundException; legacy, the ingestion catches it. The
// reception and GET look the inject up in their handlers: 404 for both
// tokens. An admin token is never denied an inject.
func TestUnknownInjectByRole(t *testing.T) {
	for _, version := range []string{openaevtest.Current.String(), openaevtest.Version24.String(), "1.18.19"} {
		for _, legacy := range []bool{false, true} {
			for _, admin := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s legacy=%v admin=%v", version, legacy, admin), func(t *testing.T) {
					opts := []openaevtest.Option{openaevtest.WithVersionString(version)}
					if legacy {
						opts = append(opts, openaevtest.WithLegacyIngestion())
					}
					if admin {
						opts = append(opts, openaevtest.WithAdminToken())
					}
					p := openaevtest.NewPlatform(t, token, opts...)
					wantCallback, wantOutcome := 404, ""
					if admin {
						wantCallback, wantOutcome = 200, openaevtest.Dropped
					}
					for _, path := range []string{"/api/injects/execution/callback/gone", "/api/injects/execution/agent-1/callback/gone"} {
						if st, _ := postJSON(t, p, path, callback("complete", "SUCCESS", nil)); st != wantCallback {
							t.Errorf("%s: %d, want %d", path, st, wantCallback)
						}
					}
					if n := len(p.Calls("gone")); n != 2 {
						t.Fatalf("%d calls recorded for inject gone, want 2", n)
					}
					for _, c := range p.Calls("gone") {
						if c.Outcome != wantOutcome || (admin && !contains(c.Reason, "not found")) {
							t.Errorf("%s: outcome %q (%s), want %q", c.Path, c.Outcome, c.Reason, wantOutcome)
						}
					}
					if st, _ := postJSON(t, p, "/api/injects/execution/reception/gone", map[string]any{"tracking_total_count": 1}); st != 404 {
						t.Errorf("reception: %d, want 404", st)
					}
					if st, _ := get(t, p, "/api/injects/gone"); st != 404 {
						t.Errorf("GET: %d, want 404", st)
					}
					if p.InjectStatus("gone") != "" {
						t.Errorf("the callback created inject gone: %s", p.InjectStatus("gone"))
					}
					// A field validation error answers first, whatever the token.
					if st, _ := postJSON(t, p, "/api/injects/execution/callback/gone", callback("complete", "", nil)); st != 400 {
						t.Errorf("blank status: %d, want 400", st)
					}
					p.AddInject("i1", "c")
					p.DenyInject("i1")
					wantDenied := 200
					if !admin {
						wantDenied = map[bool]int{true: 404, false: 403}[version == "1.18.19"]
					}
					if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != wantDenied {
						t.Errorf("denied reception: %d, want %d", st, wantDenied)
					}
				})
			}
		}
	}
}
