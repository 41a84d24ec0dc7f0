package cloudscan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// testSessionToken is a session token whose URL-encoded, JSON-escaped,
// form-decoded and base64 forms differ from it ('+', '/', '=').
const testSessionToken = "IQoJb3JpZ2luX2VjE+SessTok/en+With/Slash=="

// testEscapableSecretKey is a secret key whose JSON-escaped ("/" as "\/")
// and form-decoded forms differ from it.
const testEscapableSecretKey = "Se+cr/et+Key/With+Slash/abcdEFGH1234567890"

// credentialForms returns every form of the test credentials AWS or the
// SDK may echo: as is, lower-cased, URL encoded (either case of hex
// digits), JSON-escaped with "/" as "\/", form-decoded ("+" as a space),
// base64.
func credentialForms() []string {
	var out []string
	for _, v := range []string{testAccessKeyID, testEscapableSecretKey, testSessionToken} {
		out = append(out, v, strings.ToLower(v), url.QueryEscape(v), strings.ToLower(url.QueryEscape(v)), url.PathEscape(v),
			jsonSlashes(v), strings.ReplaceAll(v, "+", " "),
			base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)))
	}
	return out
}

// jsonSlashes returns v as PHP's json_encode writes it inside a string,
// "/" as "\/".
func jsonSlashes(v string) string {
	b, _ := json.Marshal(v)
	return strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`)
}

// redactedText is what stands where a credential was.
const redactedText = httpx.Redacted

// TestCredentialsNeverShown has the stand-in answer one call with an error
// whose message quotes the request, credentials included, as AWS does
// (SignatureDoesNotMatch: the canonical request with x-amz-security-token;
// IncompleteSignature: the Authorization header), or with one echoing them
// in every form. Through `injectkit run -o text` with debug logs and
// through Execute, no form of the access key id, the secret key or the
// session token reaches the terminal, a log line, the output's message or
// its findings; an error about the signature is shown by its code.
func TestCredentialsNeverShown(t *testing.T) {
	for _, tt := range []struct {
		name, event, code, service string
		// signature: reported by code only; else redacted
		signature bool
	}{
		{"identity SignatureDoesNotMatch", "sts.amazonaws.com:GetCallerIdentity", "SignatureDoesNotMatch", "", true},
		{"ec2 SignatureDoesNotMatch", "ec2.amazonaws.com:DescribeSecurityGroups", "SignatureDoesNotMatch", "ec2", true},
		{"iam IncompleteSignature", "iam.amazonaws.com:ListUsers", "IncompleteSignature", "iam", true},
		{"s3 listing SignatureDoesNotMatch", "s3.amazonaws.com:ListBuckets", "SignatureDoesNotMatch", "s3", true},
		{"s3 bucket SignatureDoesNotMatch", "s3.amazonaws.com:GetBucketAcl", "SignatureDoesNotMatch", "s3", true},
		{"identity refusal echoing every form", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "", false},
		{"ec2 refusal echoing every form", "ec2.amazonaws.com:DescribeSecurityGroups", "UnauthorizedOperation", "ec2", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
			t.Setenv("AWS_SECRET_ACCESS_KEY", testEscapableSecretKey)
			// What the user sees (the terminal and the logs), and the
			// structured output with the inject's own debug log.
			out, shown, messages := runBothEchoing(t, tt.service, func(st *standIn) { st.echoOn(tt.event, tt.code) })

			// The stand-in did quote the credentials: the test proves something.
			echoed := strings.Join(messages, "\n")
			if !strings.Contains(echoed, testAccessKeyID) && !strings.Contains(echoed, testSessionToken) {
				t.Fatalf("the stand-in's answers quote no credential:\n%s", echoed)
			}
			for _, form := range credentialForms() {
				if i := strings.Index(shown, form); i >= 0 {
					t.Errorf("%q shown: …%s…", form, shown[max(0, i-80):min(len(shown), i+len(form)+20)])
				}
			}
			if !strings.Contains(out.ErrorInfo.Message, tt.code) && tt.signature {
				t.Errorf("message %q does not name %s", out.ErrorInfo.Message, tt.code)
			}
			if !tt.signature && !strings.Contains(shown, redactedText) {
				t.Errorf("no %s where the credentials were:\n%s", redactedText, shown)
			}
		})
	}
}

// TestOwnAccessKeyIDIsAFinding pins what the package doc promises: an
// access key id is an identifier, not a secret, and the iam check lists
// users' access key ids as its findings, the scanner's own included
// (here bob's key signs the requests); the secret key never shows.
func TestOwnAccessKeyIDIsAFinding(t *testing.T) {
	const own = "AKIABOBKEYEXAMPLE001" // bob's old key in the fixtures
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", own)
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	cfg := euWest1
	cfg.TargetService = "iam"
	in := newInject(t, []signatures.CloudConfig{cfg}, decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL()))
	out := e.Execute(context.Background(), in)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	summary := strings.Join(out.Findings[FieldFindingsSummary].([]string), "\n")
	if !strings.Contains(summary, "iam access key "+own+" of user bob") {
		t.Errorf("findings_summary does not list the scanner's own old key:\n%s", summary)
	}
	if strings.Contains(string(b), testSecretKey) {
		t.Error("the secret key reached the output")
	}
}
