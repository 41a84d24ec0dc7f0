package cloudscan

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// throttlingAWS answers every request 503 RequestLimitExceeded with the
// x-amz-retry-after it is given (none when empty), in memory, noting the
// bubble's time of each attempt.
type throttlingAWS struct {
	retryAfter string
	mu         sync.Mutex
	attempts   []time.Time
}

func (a *throttlingAWS) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	a.mu.Lock()
	a.attempts = append(a.attempts, time.Now())
	a.mu.Unlock()
	body := `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>`
	h := http.Header{"Content-Type": {"text/xml"}}
	if a.retryAfter != "" {
		h.Set(retryAfterHeader, a.retryAfter)
	}
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Header: h,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

// checkEC2Through runs one EC2 check (us-east-1, account 123456789012)
// of a session opened with params and log, every request of which client
// answers, and returns its result.
func checkEC2Through(t *testing.T, log *zap.Logger, params *Params, client aws.HTTPClient) *CheckResult {
	t.Helper()
	sess, err := awsProvider{}.open(context.Background(), log, params,
		hostSettings{endpointURL: "http://127.0.0.1:9"}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	s := sess.(*awsSession)
	s.cfg.HTTPClient = client
	return s.check(context.Background(), ServiceEC2, "us-east-1", "123456789012")
}

// TestRetryWaitsAtMostMaxBackoff runs an EC2 check whose every attempt is
// throttled with an x-amz-retry-after, in a synctest bubble (the SDK's
// waits take no real time, and the gap between two attempts is exactly
// the wait): no wait is longer than retry_max_backoff, whatever the header
// asks, and a header within it is still waited for. Before, the SDK's
// clamp (its own backoff plus five seconds) made a 60000 ms header wait
// about six seconds with retry_max_backoff 1s.
func TestRetryWaitsAtMostMaxBackoff(t *testing.T) {
	setAWSEnv(t)
	for _, tc := range []struct {
		name, retryAfter string
		maxBackoff       time.Duration
		// minWait is the least each wait must last: the header, as far
		// as the max and the SDK's own clamp let it.
		minWait time.Duration
	}{
		{"header far over the max", "60000", time.Second, time.Second},
		{"header just over the max", "1001", time.Second, time.Second},
		// The SDK's clamp (its backoff plus five seconds) bounds the
		// wait under a max of minutes.
		{"header over a max of minutes", "600000", 2 * time.Minute, 5 * time.Second},
		{"header under the max", "300", time.Second, 300 * time.Millisecond},
		{"no header", "", time.Second, 0},
		{"header not a number", "soon", time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				params := defaultParams()
				params.RetryMaxAttempts = 3
				params.RetryMaxBackoff = tc.maxBackoff
				params.CallTimeout = time.Hour
				fake := &throttlingAWS{retryAfter: tc.retryAfter}
				res := checkEC2Through(t, zap.NewNop(), params, fake)
				if !res.Failed || len(res.Errors) == 0 || res.Errors[0].Code != "RequestLimitExceeded" {
					t.Fatalf("check: failed %v, errors %+v; want failed on RequestLimitExceeded", res.Failed, res.Errors)
				}
				if len(fake.attempts) != 3 {
					t.Fatalf("%d attempts, want 3", len(fake.attempts))
				}
				for i := 1; i < len(fake.attempts); i++ {
					wait := fake.attempts[i].Sub(fake.attempts[i-1])
					if wait > tc.maxBackoff || wait < tc.minWait {
						t.Errorf("wait before attempt %d: %v, want from %v to retry_max_backoff %v", i+1, wait, tc.minWait, tc.maxBackoff)
					}
				}
			})
		})
	}
}

// TestCallTimeoutDuringARetryWaitNamesTheAnswer runs an EC2 check whose
// every attempt is throttled, with a call_timeout that a wait before a
// retry would outlast (in a synctest bubble): the check's error keeps the
// answer that asked for the wait, its code RequestLimitExceeded, and says
// the wait would outlast call_timeout, as does the run's message. Before,
// it was the SDK's bare "request canceled, context deadline exceeded", no
// code, as if AWS had never answered; then, the wait sat out until
// call_timeout cut it ("call_timeout 3s ran out while waiting to retry"):
// now it is not begun (addRetryDeadline).
func TestCallTimeoutDuringARetryWaitNamesTheAnswer(t *testing.T) {
	setAWSEnv(t)
	for _, tc := range []struct {
		name, retryAfter string
		attempts         int
		maxBackoff       time.Duration
		callTimeout      time.Duration
	}{
		{"header asks past call_timeout", "60000", 3, 5 * time.Minute, 3 * time.Second},
		{"backoff grows past call_timeout", "", 10, 5 * time.Minute, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				params := defaultParams()
				params.RetryMaxAttempts = tc.attempts
				params.RetryMaxBackoff = tc.maxBackoff
				params.CallTimeout = tc.callTimeout
				fake := &throttlingAWS{retryAfter: tc.retryAfter}
				res := checkEC2Through(t, zap.NewNop(), params, fake)
				if !res.Failed || len(res.Errors) != 1 {
					t.Fatalf("check: failed %v, errors %+v; want failed, one error", res.Failed, res.Errors)
				}
				if len(fake.attempts) >= tc.attempts {
					t.Fatalf("%d attempts: call_timeout never cut a wait", len(fake.attempts))
				}
				ce := res.Errors[0]
				want := regexp.MustCompile(`\(not retried: its next wait \([0-9.]+m?s\) would outlast call_timeout ` +
					regexp.QuoteMeta(tc.callTimeout.String()) + ` \([0-9.]+m?s left\)\)$`)
				if ce.Code != "RequestLimitExceeded" || !strings.HasPrefix(ce.Message, "Request limit exceeded. (") ||
					!want.MatchString(ce.Message) {
					t.Errorf("error %+v; want code RequestLimitExceeded, a message with AWS's and a note matching %s", ce, want)
				}
				got := errorNote("aws us-east-1 ec2", ce)
				if !strings.HasPrefix(got, "aws us-east-1 ec2: DescribeSecurityGroups: RequestLimitExceeded (") || !want.MatchString(got) {
					t.Errorf("run's note %q, want the call, its code and a note matching %s", got, want)
				}
			})
		})
	}
}

// stallingAWS holds every request until the request's context ends:
// unanswered, or answered 200 with a body that stops after its first
// bytes.
type stallingAWS struct{ answer bool }

func (a stallingAWS) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	if !a.answer {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	body := io.MultiReader(strings.NewReader(`<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`),
		stalledReader{req.Context()})
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"text/xml"}},
		Body: io.NopCloser(body), ContentLength: -1, Request: req}, nil
}

// stalledReader reads nothing until its context ends, then its error.
type stalledReader struct{ ctx context.Context }

func (r stalledReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// TestCallTimeoutDuringAnAttemptSaysSo runs an EC2 check whose one
// attempt call_timeout cuts (in a synctest bubble): never answered, or
// answered with a body that stops coming. The check's error says
// call_timeout ran out, before AWS answered or while its answer was read,
// on one line, and nothing is logged past DEBUG. Before, it did not name
// call_timeout, and the second case ended on a second line, "failed to
// get rate limit token, canceled, context deadline exceeded", as if the
// inject's retry budget were the matter, and the SDK logged at WARN that
// the body it closed could not be drained ("this may affect connection
// reuse").
func TestCallTimeoutDuringAnAttemptSaysSo(t *testing.T) {
	setAWSEnv(t)
	for _, tc := range []struct {
		name   string
		answer bool
		want   string
	}{
		{"never answered", false, "call_timeout 3s ran out before AWS answered"},
		{"body stops coming", true, "call_timeout 3s ran out while its answer was read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				params := defaultParams()
				params.CallTimeout = 3 * time.Second
				core, logs := observer.New(zapcore.InfoLevel)
				res := checkEC2Through(t, zap.New(core), params, stallingAWS{answer: tc.answer})
				if !res.Failed || len(res.Errors) != 1 {
					t.Fatalf("check: failed %v, errors %+v; want failed, one error", res.Failed, res.Errors)
				}
				msg := res.Errors[0].Message
				if !strings.HasSuffix(msg, "("+tc.want+")") || strings.Contains(msg, "\n") || strings.Contains(msg, "rate limit token") {
					t.Errorf("error message %q: want one line ending (%s), nothing of the retry token", msg, tc.want)
				}
				for _, e := range logs.All() {
					t.Errorf("logged %s %q: the error says it all", e.Level, e.Message)
				}
			})
		})
	}
}
