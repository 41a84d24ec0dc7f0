package cloudscan

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestErrorPageNotAWSsIsNoCall: a call answered by an error page that is
// not AWS's (a proxy's 502, 503 or 407, a gateway's empty 504: no AWS
// request id, no AWS error document) never reached AWS, so no trail
// logged it and the signatures must not list it; an error AWS answered
// (its document, its request id) is listed, as CloudTrail logs it.
func TestErrorPageNotAWSsIsNoCall(t *testing.T) {
	const event = "ec2.amazonaws.com:DescribeSecurityGroups"
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantListed bool
	}{
		{"proxy 502 html", http.StatusBadGateway, map[string]string{"Content-Type": "text/html"},
			"<html><body><h1>502 Bad Gateway</h1></body></html>", false},
		{"proxy 503 html", http.StatusServiceUnavailable, map[string]string{"Content-Type": "text/html", "Retry-After": "0"},
			"<!DOCTYPE html><html><body>Service Unavailable</body></html>", false},
		{"proxy 407", http.StatusProxyAuthRequired, map[string]string{"Proxy-Authenticate": `Basic realm="proxy"`},
			"Proxy Authentication Required", false},
		{"gateway 504 empty", http.StatusGatewayTimeout, nil, "", false},
		{"AWS 503 document", http.StatusServiceUnavailable, map[string]string{"Content-Type": "text/xml"},
			`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>Unavailable</Code><Message>The server is overloaded</Message></Error></Errors><RequestID>b25f48e8</RequestID></Response>`, true},
		{"AWS 500 request id", http.StatusInternalServerError, map[string]string{"X-Amzn-Requestid": "b25f48e8-84fd-11e6-80d4-standin"},
			"", true},
	}
	cfg := euWest1
	cfg.TargetService = ServiceEC2
	cfgs := []signatures.CloudConfig{cfg}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			st := newStandIn(t, nil, fixtures())
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if eventOf(r) != event {
					st.route(w, r)
					return
				}
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), srv.URL)
			out := e.Execute(context.Background(), newInject(t, cfgs, p))
			if got := out.ExecutionStatus(); got != framework.StatusFailed {
				t.Fatalf("status %s, want failed: the only check's call failed", got)
			}
			det := out.TargetExtras[targetOf(cfg)][framework.Detection]
			listed, _ := det[ExtraCloudAPICalls].([]string)
			if got := slices.Contains(listed, event); got != tt.wantListed {
				t.Errorf("cloud_api_calls %q lists %s: %v, want %v", listed, event, got, tt.wantListed)
			}
			if !slices.Contains(listed, "sts.amazonaws.com:GetCallerIdentity") {
				t.Errorf("cloud_api_calls %q lacks the identity call AWS answered", listed)
			}
		})
	}
}
