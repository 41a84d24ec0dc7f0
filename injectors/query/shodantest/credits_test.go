package shodantest

import (
	"net/http"
	"testing"
)

// TestServerQueryCredits checks the credit rule: a filter or a page past
// the first costs one credit, a first page without a filter is free, and
// a search the credits left do not cover gets a 401 with Shodan's
// message, spending nothing.
func TestServerQueryCredits(t *testing.T) {
	type step struct {
		query, page string
		wantStatus  int
	}
	tests := []struct {
		name     string
		credits  int // -1: the default, no limit
		steps    []step
		wantLeft int
	}{
		{"no limit by default", -1, []step{{"apache", "3", 200}, {"apache ip:127.0.0.1", "", 200}}, -1},
		{"first page without a filter is free", 0, []step{{"apache", "", 200}, {"apache", "1", 200}}, 0},
		{"each page after the first costs one", 2, []step{{"apache", "", 200}, {"apache", "2", 200}, {"apache", "3", 200}, {"apache", "4", 401}}, 0},
		{"a filter costs one on page 1", 1, []step{{"apache ip:127.0.0.1", "", 200}, {"port:443", "", 401}}, 0},
		// A quoted phrase holding a colon is a phrase, no filter: free on page 1.
		{"a quoted phrase with a colon is free", 0, []step{{`"Server: nginx"`, "", 200}, {`product:"Apache httpd"`, "", 401}}, 0},
		{"a filter past page 1 costs one, not two", 2, []step{{"product:nginx", "2", 200}, {"product:nginx", "3", 200}}, 0},
		{"a refused search spends nothing", 1, []step{{"apache", "2", 200}, {"apache", "3", 401}, {"apache", "", 200}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewHandler("k")
			s.SetMinInterval(0)
			if tt.credits >= 0 {
				s.SetQueryCredits(tt.credits)
			}
			for i, st := range tt.steps {
				status, msg := servePage(t, s, "k", st.query, st.page)
				if status != st.wantStatus {
					t.Errorf("step %d (%q page %q): status %d (%s), want %d", i, st.query, st.page, status, msg, st.wantStatus)
				}
				if status == http.StatusUnauthorized && msg != MsgNoCredits {
					t.Errorf("step %d: 401 error %q, want %q", i, msg, MsgNoCredits)
				}
			}
			if got := s.QueryCredits(); got != tt.wantLeft {
				t.Errorf("credits left = %d, want %d", got, tt.wantLeft)
			}
		})
	}
}
