package cloudscan

import (
	"net/http"
	"strconv"
	"testing"
)

// s3Paging holds a ListBuckets request to S3's paging rules: a request
// without max-buckets is an unpaginated one, which S3 answers only for an
// account at the default bucket quota of 10,000 ("All unpaginated
// ListBuckets requests will be rejected for AWS accounts with a general
// purpose bucket quota greater than 10,000", Amazon S3 User Guide,
// "General purpose bucket quotas, limitations, and restrictions"), so a
// scan sending one fails on the accounts that hold the most buckets: it
// fails the test (violation), and is served, as S3 serves it under the
// default quota. A max-buckets out of 1 to 10,000 (ListBuckets:
// "Valid Range: Minimum value of 1. Maximum value of 10000") is answered
// 400 InvalidArgument and fails the test too. It reports whether the
// request may be served.
func (s *standIn) s3Paging(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if !q.Has("max-buckets") {
		s.violation("ListBuckets without max-buckets: an unpaginated request, which S3 rejects for an account " +
			"whose bucket quota is above 10,000")
		return true
	}
	if n, err := strconv.Atoi(q.Get("max-buckets")); err != nil || n < 1 || n > 10000 {
		s.violation("ListBuckets with max-buckets %q, not 1 to 10000", q.Get("max-buckets"))
		s3Error(w, http.StatusBadRequest, "InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000", "")
		return false
	}
	return true
}

// TestStandInHoldsListBucketsToS3sPaging: a ListBuckets without
// max-buckets, or with one out of range, is a violation; one within the
// range is served.
func TestStandInHoldsListBucketsToS3sPaging(t *testing.T) {
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	st.expectViolations = true
	for _, tt := range []struct {
		query          string
		wantStatus     int
		wantViolations int
	}{
		{"", http.StatusOK, 1},
		{"?max-buckets=0", http.StatusBadRequest, 2},
		{"?max-buckets=10001", http.StatusBadRequest, 3},
		{"?max-buckets=1000", http.StatusOK, 3},
		{"?max-buckets=10000", http.StatusOK, 3},
	} {
		status, body := st.getSigned(t, "/"+tt.query, "s3", "eu-west-1")
		if status != tt.wantStatus {
			t.Errorf("ListBuckets%s: status %d, want %d\n%s", tt.query, status, tt.wantStatus, body)
		}
		st.mu.Lock()
		n := len(st.violations)
		st.mu.Unlock()
		if n != tt.wantViolations {
			t.Errorf("after ListBuckets%s: %d violations, want %d", tt.query, n, tt.wantViolations)
		}
	}
}

// paged returns query, a ListBuckets query string ("" or "?…"), with
// the max-buckets S3 takes from every account.
func paged(query string) string {
	if query == "" {
		return "?max-buckets=1000"
	}
	return query + "&max-buckets=1000"
}
