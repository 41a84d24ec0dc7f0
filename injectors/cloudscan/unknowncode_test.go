package cloudscan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// TestNamesTheStatusOfAnErrorWithoutCode: an error answer holding no AWS
// error code (a proxy's 502 page, an empty 503), which the SDK names
// UnknownError, is named in the message with its HTTP status: the code
// alone says nothing of what answered.
func TestNamesTheStatusOfAnErrorWithoutCode(t *testing.T) {
	for _, tt := range []struct {
		status            int
		contentType, body string
	}{
		{http.StatusBadGateway, "text/html", "<html><body>502 Bad Gateway</body></html>"},
		{http.StatusServiceUnavailable, "text/xml", ""},
		{http.StatusForbidden, "application/json", `{"message": "blocked by policy"}`},
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			setAWSEnv(t)
			st := newStandIn(t, nil, fixtures())
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if eventOf(r) != "ec2.amazonaws.com:DescribeSecurityGroups" {
					st.route(w, r)
					return
				}
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), srv.URL)
			cfgs := []signatures.CloudConfig{{CloudProvider: "aws", CloudAccountID: "123456789012",
				CloudRegion: "eu-west-1", TargetService: "ec2"}}
			out := e.Execute(context.Background(), newInject(t, cfgs, p))
			want := fmt.Sprintf("DescribeSecurityGroups: UnknownError (an HTTP %d answer holding no AWS error code)", tt.status)
			if out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, want) {
				t.Errorf("error_info %+v, want a message holding %q", out.ErrorInfo, want)
			}
		})
	}
}
