package cloudscan

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// violation records a request the stand-in refuses as AWS would, which no
// client of it should send: it fails the test unless expectViolations is
// set.
func (s *standIn) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.violations = append(s.violations, msg)
	expected := s.expectViolations
	s.mu.Unlock()
	if !expected {
		s.t.Errorf("stand-in: %s", msg)
	}
}

// TestStandInRefusesUnsignedRequests: a request without a SigV4
// signature (but AssumeRoleWithWebIdentity's), or an S3 one signed for
// another service, is refused 403 as AWS refuses it, and recorded as a
// violation; a signed one is served.
func TestStandInRefusesUnsignedRequests(t *testing.T) {
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	st.expectViolations = true
	tests := []struct {
		name, method, path, form, service string // service "": unsigned
		wantStatus                        int
		wantCode                          string
	}{
		{"STS unsigned", http.MethodPost, "/", "Action=GetCallerIdentity&Version=2011-06-15", "", http.StatusForbidden, "MissingAuthenticationToken"},
		{"S3 unsigned", http.MethodGet, "/", "", "", http.StatusForbidden, "AccessDenied"},
		{"S3 signed for iam", http.MethodGet, "/private-logs?acl", "", "iam", http.StatusForbidden, "AccessDenied"},
		{"STS signed", http.MethodPost, "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", http.StatusOK, ""},
		{"S3 signed", http.MethodGet, "/?max-buckets=1000", "", "s3", http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st.mu.Lock()
			before := len(st.violations)
			st.mu.Unlock()
			req, err := http.NewRequest(tt.method, st.URL()+tt.path, strings.NewReader(tt.form))
			if err != nil {
				t.Fatal(err)
			}
			if tt.form != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			var code int
			var body []byte
			if tt.service == "" {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if body, err = io.ReadAll(resp.Body); err != nil {
					t.Fatal(err)
				}
				code = resp.StatusCode
			} else {
				code, body = sendSigned(t, req, tt.service, "eu-west-1")
			}
			if code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", code, tt.wantStatus, body)
			}
			if tt.wantCode != "" && !strings.Contains(string(body), "<Code>"+tt.wantCode+"</Code>") {
				t.Errorf("body %s, want the code %s", body, tt.wantCode)
			}
			st.mu.Lock()
			got := len(st.violations) - before
			st.mu.Unlock()
			if want := map[bool]int{true: 1, false: 0}[tt.wantCode != ""]; got != want {
				t.Errorf("%d violations recorded, want %d", got, want)
			}
		})
	}
}
