package cloudscan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
)

// memStandIn hands each request to a stand-in's handler in memory, no
// socket: in a synctest bubble the SDK's waits then take no real time,
// and the stand-in keeps every rule it enforces (SigV4 against its own
// clock, the bubble's too).
type memStandIn struct{ s *standIn }

func (m memStandIn) Do(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	m.s.route(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// throttlingStandIn is a stand-in whose every DescribeSecurityGroups is
// answered 503 RequestLimitExceeded, as EC2 answers a throttled call.
func throttlingStandIn(t *testing.T) *standIn {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "ec2"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>5d5c1e4a-0c2b-4a1f-9d3e-7f6a5b4c3d2e</RequestID></Response>`
	if err := os.WriteFile(filepath.Join(dir, "ec2", "DescribeSecurityGroups.xml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return newStandIn(t, nil, dir)
}

// TestThrottledRetryStopsBeforeTheDeadline runs an EC2 check the
// stand-in throttles on every attempt (retry_max_attempts 10,
// retry_max_backoff 20s), in a synctest bubble, under a deadline its
// backoff soon cannot fit in: the inject's (--timeout) or call_timeout.
// The call stops at the first wait that would outlast the deadline,
// before it: the check fails on the throttling, code RequestLimitExceeded
// and AWS's message, with a note saying why it was not retried, as the
// run's message does, and the inject's deadline has not come. Before, the
// SDK waited until the deadline cut the wait: the inject timed out with a
// bare "request canceled, context deadline exceeded", the throttling
// lost, and a call_timeout was sat out to its end.
func TestThrottledRetryStopsBeforeTheDeadline(t *testing.T) {
	setAWSEnv(t)
	for _, tc := range []struct {
		name        string
		deadline    time.Duration // the inject's, 0 for none
		callTimeout time.Duration
		bound       string
	}{
		{"the inject's deadline", 1500 * time.Millisecond, 30 * time.Second, "the inject's deadline"},
		{"call_timeout", 0, 1500 * time.Millisecond, "call_timeout 1.5s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := throttlingStandIn(t) // its listener outside the bubble
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if tc.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.deadline)
					defer cancel()
				}
				params := defaultParams()
				params.RetryMaxAttempts = 10
				params.RetryMaxBackoff = 20 * time.Second
				params.CallTimeout = tc.callTimeout
				sess, err := awsProvider{}.open(ctx, zap.NewNop(), params, hostSettings{endpointURL: "http://127.0.0.1:9"}, testVersion)
				if err != nil {
					t.Fatal(err)
				}
				s := sess.(*awsSession)
				s.cfg.HTTPClient = memStandIn{st}
				start := time.Now()
				res := s.check(ctx, ServiceEC2, "us-east-1", "123456789012")
				took := time.Since(start)
				if ctx.Err() != nil || took >= min(cmp0(tc.deadline), tc.callTimeout) {
					t.Fatalf("the check ended after %v, its deadline reached: the wait that could not fit was waited", took)
				}
				if !res.Failed || len(res.Errors) != 1 {
					t.Fatalf("check: failed %v, errors %+v; want failed, one error", res.Failed, res.Errors)
				}
				ce := res.Errors[0]
				note := regexp.MustCompile(`^not retried: its next wait \([0-9.]+m?s\) would outlast ` + regexp.QuoteMeta(tc.bound) +
					` \([0-9.]+m?s left\)$`)
				if ce.Operation != "DescribeSecurityGroups" || ce.Code != "RequestLimitExceeded" ||
					!regexp.MustCompile(`^Request limit exceeded\. \((.*)\)$`).MatchString(ce.Message) ||
					!note.MatchString(regexp.MustCompile(`\((.*)\)$`).FindStringSubmatch(ce.Message)[1]) {
					t.Fatalf("error %+v; want DescribeSecurityGroups, RequestLimitExceeded, AWS's message and a note matching %s", ce, note)
				}
				runNote := errorNote("aws us-east-1 ec2", ce)
				if want := regexp.MustCompile(`^aws us-east-1 ec2: DescribeSecurityGroups: RequestLimitExceeded \(not retried: its next wait .* would outlast ` +
					regexp.QuoteMeta(tc.bound) + ` .*\)$`); !want.MatchString(runNote) {
					t.Errorf("run's note %q, want it to match %s", runNote, want)
				}
				if n := st.count("ec2.amazonaws.com:DescribeSecurityGroups"); n < 1 || n >= params.RetryMaxAttempts {
					t.Errorf("%d attempts, want at least 1 and fewer than %d", n, params.RetryMaxAttempts)
				}
			})
		})
	}
}

// cmp0 is d, or a day for 0 (no deadline).
func cmp0(d time.Duration) time.Duration {
	if d == 0 {
		return 24 * time.Hour
	}
	return d
}
