package cloudscan

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestAuthenticationFailuresSayWhatToFix runs a scan of every service
// against a stand-in that authenticates as AWS does, with the host's
// clock off or the credentials wrong. A clock off by more than 15
// minutes is corrected from AWS's answers, EC2's RequestExpired
// included, and the scan runs whole; when it cannot be (one attempt per
// call), and for a wrong secret or an unknown key, the run fails with a
// message that names what to fix, never a secret.
func TestAuthenticationFailuresSayWhatToFix(t *testing.T) {
	tests := []struct {
		name     string
		keyID    string
		secret   string
		awsAhead time.Duration // AWS's clock from the host's
		params   string
		want     framework.ExecutionStatus
		wantIn   []string
	}{
		{"clock 20 min behind AWS's", testAccessKeyID, testSecretKey, 20 * time.Minute, `{"retry_max_backoff":"5ms"}`,
			framework.StatusSuccess, nil},
		{"clock 20 min ahead of AWS's", testAccessKeyID, testSecretKey, -20 * time.Minute, `{"retry_max_backoff":"5ms"}`,
			framework.StatusSuccess, nil},
		{"clock 20 min behind, one attempt", testAccessKeyID, testSecretKey, 20 * time.Minute,
			`{"retry_max_backoff":"5ms","retry_max_attempts":1}`, framework.StatusFailed,
			[]string{"Signature expired: ", fixClock, "AWS_ACCESS_KEY_ID and its secret key in the environment"}},
		{"clock 20 min ahead, one attempt", testAccessKeyID, testSecretKey, -20 * time.Minute,
			`{"retry_max_backoff":"5ms","retry_max_attempts":1}`, framework.StatusFailed,
			[]string{"Signature not yet current: ", fixClock}},
		{"wrong secret key", testAccessKeyID, testEscapableSecretKey, 0, `{"retry_max_backoff":"5ms"}`, framework.StatusFailed,
			[]string{"SignatureDoesNotMatch", withheldMessage, fixSecret, "AWS_ACCESS_KEY_ID and its secret key in the environment"}},
		{"key the account does not have", "AKIANOTTHEACCOUNTS01", testSecretKey, 0, `{"retry_max_backoff":"5ms"}`, framework.StatusFailed,
			[]string{"InvalidClientTokenId", "AWS_ACCESS_KEY_ID and its secret key in the environment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", tt.keyID)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			st := newStandIn(t, []string{"private-logs", "public-assets"}, fixtures())
			st.skewClock(tt.awsAhead)
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			in := newInject(t, []signatures.CloudConfig{euWest1}, decodeParams(t, e, json.RawMessage(tt.params), st.URL()))
			out := e.Execute(context.Background(), in)
			msg := ""
			if out.ErrorInfo != nil {
				msg = out.ErrorInfo.Message
			}
			if got := out.ExecutionStatus(); got != tt.want {
				t.Fatalf("status %s, want %s: %s", got, tt.want, msg)
			}
			for _, want := range tt.wantIn {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %q", msg, want)
				}
			}
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), tt.secret) {
				t.Errorf("the secret key reached the output: %s", b)
			}
			if tt.want != framework.StatusSuccess {
				return
			}
			// Every check ran, and the signatures list every call AWS
			// served, each once corrected.
			det := out.TargetExtras[targetOf(euWest1)][framework.Detection]
			listed, _ := det[ExtraCloudAPICalls].([]string)
			for _, c := range st.logged() {
				if c.Region == euWest1.CloudRegion && !strings.Contains(strings.Join(listed, " "), c.Event) {
					t.Errorf("%s, served, is not in cloud_api_calls %q", c.Event, listed)
				}
			}
			for _, event := range []string{"ec2.amazonaws.com:DescribeSecurityGroups", "s3.amazonaws.com:ListBuckets",
				"s3.amazonaws.com:GetAccountPublicAccessBlock", "sts.amazonaws.com:GetCallerIdentity"} {
				if !strings.Contains(strings.Join(listed, " "), event) {
					t.Errorf("%s not in cloud_api_calls %q", event, listed)
				}
			}
		})
	}
}

// TestAuthFix: what each authentication failure asks the host to fix;
// STS's clock message only when it is that and nothing else.
func TestAuthFix(t *testing.T) {
	const expired = "Signature expired: 20261207T223343Z is now earlier than 20261207T223844Z (20261207T225344Z - 15 min.)"
	tests := []struct{ code, msg, want string }{
		{"SignatureDoesNotMatch", expired, fixClock},
		{"SignatureDoesNotMatch", "Signature not yet current: 20261207T231000Z is still later than 20261207T230500Z (20261207T225000Z + 15 min.)", fixClock},
		{"SignatureDoesNotMatch", expired + " x-amz-security-token:AQoDYXdzEJr", fixSecret},
		{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", fixSecret},
		{"InvalidSignatureException", expired, fixClock},
		{"RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", fixClock},
		{"RequestExpired", "Request has expired.", fixClock + ", or renew the credentials if they are temporary ones that expired"},
		{"AuthorizationHeaderMalformed", "the region 'eu-west-1' is wrong; expecting 'us-east-1'", fixRegion},
		{"AccessDenied", "Access Denied", ""},
		{"Throttling", "Rate exceeded", ""},
	}
	for _, tt := range tests {
		if got := authFix(tt.code, tt.msg); got != tt.want {
			t.Errorf("authFix(%s, %q) = %q, want %q", tt.code, tt.msg, got, tt.want)
		}
	}
	if clockMessage.MatchString(expired + "\n") {
		t.Error("a clock message with more after it matches")
	}
}
