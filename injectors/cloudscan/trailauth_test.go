package cloudscan

import (
	"context"
	"testing"

	"go.uber.org/zap"
)

// TestUnauthenticatedCallsAreNotListed runs each check against the
// stand-in with a secret key that is not the account's: AWS refuses every
// call before it knows who made it (SignatureDoesNotMatch), and no trail
// logs such a call, whatever the service (IAM User Guide, "Logging IAM and
// AWS STS API calls with AWS CloudTrail": authenticated requests only;
// Amazon S3 User Guide, likewise). The check fails and records no call: a
// signature listing one would have the SIEM look for an event CloudTrail
// never wrote. Before, only S3's were left out (the stand-in modelled S3
// alone), and an EC2 or IAM call refused so was listed.
func TestUnauthenticatedCallsAreNotListed(t *testing.T) {
	for _, service := range []string{ServiceEC2, ServiceIAM, ServiceS3} {
		t.Run(service, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SECRET_ACCESS_KEY", "wrongSecretKeyOfTheTestAccount0000000000")
			st := newStandIn(t, []string{"west-logs"}, "testdata/fixtures")
			st.expectViolations = true
			sess, err := awsProvider{}.open(context.Background(), zap.NewNop(), defaultParams(), hostSettings{endpointURL: st.URL()}, testVersion)
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecorder()
			res := sess.check(withRecorder(context.Background(), rec), service, "eu-west-1", "123456789012")
			if !res.Failed || len(res.Errors) == 0 || res.Errors[0].Code != "SignatureDoesNotMatch" {
				t.Fatalf("check: failed %v, errors %+v; want failed on SignatureDoesNotMatch", res.Failed, res.Errors)
			}
			if len(st.calls()) == 0 {
				t.Fatal("the stand-in saw no call")
			}
			if calls := rec.byRegion(); len(calls) != 0 {
				t.Errorf("listed %v: calls AWS could not authenticate, which no trail logs", calls)
			}
			if logged := st.logged(); len(logged) != 0 {
				t.Errorf("the stand-in logged %+v: it must log no call it refused to authenticate", logged)
			}
		})
	}
}
