package cloudscan

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// eventOf names the call r makes as the stand-in records it
// ("eventSource:eventName"), "" for none it knows.
func eventOf(r *http.Request) string {
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return ""
	}
	if service := m[3]; service != "s3" {
		// The body is put back: the stand-in checks its signature.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return ""
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return ""
		}
		return service + ".amazonaws.com:" + form.Get("Action")
	}
	q := r.URL.Query()
	switch {
	case r.URL.Path == accountBlockPath:
		return "s3.amazonaws.com:GetAccountPublicAccessBlock"
	case r.URL.Path == "/":
		return "s3.amazonaws.com:ListBuckets"
	case q.Has("acl"):
		return "s3.amazonaws.com:GetBucketAcl"
	case q.Has("publicAccessBlock"):
		return "s3.amazonaws.com:GetBucketPublicAccessBlock"
	case q.Has("policyStatus"):
		return "s3.amazonaws.com:GetBucketPolicyStatus"
	}
	return ""
}

// TestRefusesAnAnswerThatIsNotAWSs runs a scan of every service in one
// region whose calls of one operation are answered 200, as a proxy, a
// captive portal or a maintenance page in front of AWS answers, with a
// body that is not the XML document AWS answers that operation with:
// an HTML page, JSON, nothing, XML of another root element. AWS never
// answers so; the SDK's decoders would read most of them as an empty
// listing, a scan finding nothing where it read nothing. The run must
// not be a success, its message must name the operation and say the
// answer is not AWS's, and the signatures must not list the call: no
// trail logged what AWS never answered.
func TestRefusesAnAnswerThatIsNotAWSs(t *testing.T) {
	bodies := []struct {
		name, contentType, body string
	}{
		{"html", "text/html", "<!DOCTYPE html><html><body>Down for maintenance</body></html>"},
		{"json", "application/json", `{"message": "service unavailable"}`},
		{"empty", "text/xml", ""},
		{"other root", "text/xml", `<?xml version="1.0"?><Response><Errors/></Response>`},
	}
	events := []string{
		"sts.amazonaws.com:GetCallerIdentity",
		"ec2.amazonaws.com:DescribeSecurityGroups",
		"iam.amazonaws.com:ListUsers",
		"iam.amazonaws.com:ListMFADevices",
		"iam.amazonaws.com:ListAccessKeys",
		"iam.amazonaws.com:GetLoginProfile",
		"s3.amazonaws.com:ListBuckets",
		"s3.amazonaws.com:GetBucketAcl",
		"s3.amazonaws.com:GetBucketPublicAccessBlock",
		"s3.amazonaws.com:GetBucketPolicyStatus",
		"s3.amazonaws.com:GetAccountPublicAccessBlock",
	}
	cfgs := []signatures.CloudConfig{{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1"}}
	for _, event := range events {
		for _, b := range bodies {
			t.Run(event+"/"+b.name, func(t *testing.T) {
				setAWSEnv(t)
				st := newStandIn(t, []string{"private-logs", "public-assets", "shared-reports", "unprotected-tmp"},
					fixtures())
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if eventOf(r) != event {
						st.route(w, r)
						return
					}
					w.Header().Set("Content-Type", b.contentType)
					_, _ = w.Write([]byte(b.body))
				}))
				t.Cleanup(srv.Close)
				e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
				p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms","concurrency":2}`), srv.URL)
				out := e.Execute(context.Background(), newInject(t, cfgs, p))

				if got := out.ExecutionStatus(); got == signatures.StatusSuccess {
					t.Fatalf("status %s with %s answered by a %s page; findings %v", got, event, b.name,
						out.Findings[FieldFindingsSummary])
				}
				// The answer is not AWS's: nothing says the call reached
				// AWS, so no trail can be expected to log it.
				det := out.TargetExtras[targetOf(cfgs[0])][framework.Detection]
				listed, _ := det[ExtraCloudAPICalls].([]string)
				other, _ := det[ExtraCloudAPICallsOtherRegions].(map[string][]string)
				for _, calls := range other {
					listed = append(listed, calls...)
				}
				if slices.Contains(listed, event) {
					t.Errorf("the signatures list %s, answered by a %s page, not AWS: %q", event, b.name, listed)
				}
				op := event[strings.Index(event, ":")+1:]
				msg := ""
				if out.ErrorInfo != nil {
					msg = out.ErrorInfo.Message
				}
				for _, want := range []string{op, "is not AWS's", b.contentType} {
					if want == "GetBucketPublicAccessBlock" || want == "GetAccountPublicAccessBlock" {
						want = "GetPublicAccessBlock" // the SDK's name of both
					}
					if !strings.Contains(msg, want) {
						t.Errorf("message %q does not hold %q", msg, want)
					}
				}
			})
		}
	}
}

// TestCheckAnswerPassesAWSsDocuments: the fixtures of the stand-in, AWS's
// answers, are each the document their operation answers with.
func TestCheckAnswerPassesAWSsDocuments(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, []string{"private-logs", "public-assets", "shared-reports", "unprotected-tmp"},
		filepath.Join("testdata", "cases", "s3_account_block", "fixtures"), fixtures())
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL())
	cfgs := []signatures.CloudConfig{{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1"}}
	out := e.Execute(context.Background(), newInject(t, cfgs, p))
	if got := out.ExecutionStatus(); got != signatures.StatusSuccess {
		t.Fatalf("status %s, error_info %+v", got, out.ErrorInfo)
	}
}
