package cloudscan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The stand-in's SigV4 check: AWS authenticates every signed request
// before anything else, and answers one it cannot authenticate with an
// error of the service's own shape (AWS General Reference, "Troubleshoot
// signing errors"; Amazon S3 API Reference, "Error responses"; IAM and
// STS API Reference, "Common Errors"; Amazon EC2 API Reference, "Error
// codes"). The rules, in the order AWS applies them:
//
//   - the access key id must be one of the account's (keys): else STS and
//     IAM answer 403 InvalidClientTokenId "The security token included in
//     the request is invalid.", EC2 401 AuthFailure, S3 403
//     InvalidAccessKeyId (with the id in AWSAccessKeyId); a session token
//     other than the one issued with the key, the same but S3's 400
//     InvalidToken;
//   - X-Amz-Date must be within 15 minutes of AWS's clock (the stand-in's
//     clock, skewed by skewClock, every answer's Date header): else S3
//     answers 403 RequestTimeTooSkewed (RequestTime, ServerTime,
//     MaxAllowedSkewMilliseconds 900000), STS and IAM 403
//     SignatureDoesNotMatch "Signature expired: <date> is now earlier than
//     <now-15min> (<now> - 15 min.)" or "Signature not yet current: <date>
//     is still later than <now+15min> (<now> + 15 min.)", EC2 400
//     RequestExpired "Request has expired.";
//   - the signature must be the one the key's secret gives the request:
//     else 403 SignatureDoesNotMatch, S3's with AWSAccessKeyId,
//     StringToSign, SignatureProvided (it quotes the request it expected,
//     never the secret).
//
// The SDK corrects its clock by an answer's Date header and retries once
// when the code is one of its clock-skew codes (RequestTimeTooSkewed,
// SignatureDoesNotMatch, AuthFailure…, aws/retry's clockSkewCodes), so
// the Date header is what the stand-in's clock says.

// maxSkew is how far a request's X-Amz-Date may be from AWS's clock.
const maxSkew = 15 * time.Minute

// accessKey is one of the account's keys: its secret, and the session
// token it was issued with ("" for a long-term key).
type accessKey struct{ secret, token string }

var authorizationHeader = regexp.MustCompile(
	`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]+)$`)

// skewClock sets the stand-in's clock d from the host's: a host whose
// clock is d behind AWS's.
func (s *standIn) skewClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skew = d
}

// knowKey makes id, with secret and session token token, one of the
// account's keys.
func (s *standIn) knowKey(id, secret, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = accessKey{secret, token}
}

// knowEnvKey makes the credentials of the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) the account's.
func (s *standIn) knowEnvKey() {
	s.knowKey(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
}

// issuedKey finds the credentials an STS answer hands out.
var issuedKey = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>\s*<SecretAccessKey>([^<]+)</SecretAccessKey>\s*<SessionToken>([^<]+)</SessionToken>`)

// learnIssued makes the credentials an STS answer, body, hands out the
// account's: AWS takes the keys it issued.
func (s *standIn) learnIssued(body []byte) {
	for _, m := range issuedKey.FindAllSubmatch(body, -1) {
		s.knowKey(string(m[1]), string(m[2]), string(m[3]))
	}
}

// now is AWS's clock.
func (s *standIn) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.skew).UTC()
}

// authError is why AWS refuses to authenticate a request: the status and
// code it answers with, its message, and, for S3, the extra elements of
// its error document.
type authError struct {
	status           int
	code, msg, extra string
}

// authenticate checks r's SigV4 signature (an Authorization header; a
// request without one is left to the caller) and answers it as AWS
// would when it fails, reporting whether it did.
func (s *standIn) authenticate(w http.ResponseWriter, r *http.Request, service string) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return false
	}
	e := s.checkSignature(r, auth, service)
	if e == nil {
		return false
	}
	s.record(eventOf(r), signingRegion(auth), r)
	s.mu.Lock()
	s.events[len(s.events)-1].Refused = e.code
	s.mu.Unlock()
	switch {
	case service == "s3" && r.URL.Path == accountBlockPath:
		s3ControlError(w, e.status, e.code, e.msg)
	case service == "s3":
		s3AuthError(w, e)
	case service == "ec2":
		ec2Error(w, e.status, e.code, e.msg)
	default:
		queryError(w, e.status, queryNamespace(service), e.code, e.msg)
	}
	return true
}

// queryNamespace is the XML namespace of a query API's answers.
func queryNamespace(service string) string {
	if service == "iam" {
		return "https://iam.amazonaws.com/doc/2010-05-08/"
	}
	return "https://" + service + ".amazonaws.com/doc/2011-06-15/"
}

// checkSignature returns why AWS would refuse r, nil when it would not.
func (s *standIn) checkSignature(r *http.Request, auth, service string) *authError {
	m := authorizationHeader.FindStringSubmatch(auth)
	if m == nil {
		return &authError{status: http.StatusBadRequest, code: "IncompleteSignature",
			msg: "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters."}
	}
	id, region, signedService, signed, got := m[1], m[3], m[4], m[5], m[6]
	token := r.Header.Get("X-Amz-Security-Token")
	s.mu.Lock()
	key, known := s.keys[id]
	s.mu.Unlock()
	if !known || key.token != token {
		return unknownKey(service, id, token != "")
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return &authError{status: http.StatusBadRequest, code: "IncompleteSignature",
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	if e := s.checkTime(service, when); e != nil {
		return e
	}
	want, err := expectedSignature(r, aws.Credentials{AccessKeyID: id, SecretAccessKey: key.secret, SessionToken: token},
		signedService, region, signed, when)
	if err != nil || want != got {
		e := &authError{status: http.StatusForbidden, code: "SignatureDoesNotMatch",
			msg: "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
		if service == "s3" {
			e.msg = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
			e.extra = "<AWSAccessKeyId>" + id + "</AWSAccessKeyId><SignatureProvided>" + got + "</SignatureProvided>"
		}
		return e
	}
	return nil
}

// unknownKey is AWS's answer to a key id it does not know, or to a session
// token it did not issue with it.
func unknownKey(service, id string, withToken bool) *authError {
	switch {
	case service == "ec2":
		return &authError{status: http.StatusUnauthorized, code: "AuthFailure", msg: "AWS was not able to validate the provided access credentials"}
	case service == "s3" && withToken:
		return &authError{status: http.StatusBadRequest, code: "InvalidToken", msg: "The provided token is malformed or otherwise invalid."}
	case service == "s3":
		return &authError{status: http.StatusForbidden, code: "InvalidAccessKeyId",
			msg: "The AWS Access Key Id you provided does not exist in our records.", extra: "<AWSAccessKeyId>" + id + "</AWSAccessKeyId>"}
	}
	return &authError{status: http.StatusForbidden, code: "InvalidClientTokenId", msg: "The security token included in the request is invalid."}
}

// checkTime returns AWS's answer to a request signed at when, nil when
// when is within maxSkew of its clock.
func (s *standIn) checkTime(service string, when time.Time) *authError {
	now := s.now()
	if when.After(now.Add(-maxSkew)) && when.Before(now.Add(maxSkew)) {
		return nil
	}
	const stamp = "20060102T150405Z"
	switch service {
	case "s3":
		return &authError{status: http.StatusForbidden, code: "RequestTimeTooSkewed",
			msg: "The difference between the request time and the current time is too large.",
			extra: "<RequestTime>" + when.Format(stamp) + "</RequestTime><ServerTime>" + now.Format(time.RFC3339) +
				"</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"}
	case "ec2":
		return &authError{status: http.StatusBadRequest, code: "RequestExpired", msg: "Request has expired."}
	}
	msg := "Signature expired: " + when.Format(stamp) + " is now earlier than " + now.Add(-maxSkew).Format(stamp) +
		" (" + now.Format(stamp) + " - 15 min.)"
	if when.After(now) {
		msg = "Signature not yet current: " + when.Format(stamp) + " is still later than " + now.Add(maxSkew).Format(stamp) +
			" (" + now.Format(stamp) + " + 15 min.)"
	}
	return &authError{status: http.StatusForbidden, code: "SignatureDoesNotMatch", msg: msg}
}

// expectedSignature returns the signature creds give r, signed for
// service and region at when with the headers signed lists, as the SDK's
// signer computes it. r's body is read and put back.
func expectedSignature(r *http.Request, creds aws.Credentials, service, region, signed string, when time.Time) (string, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return "", err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	req, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.URL.RawPath = r.URL.RawPath
	for h := range strings.SplitSeq(signed, ";") {
		switch h {
		case "host":
		case "content-length":
			req.ContentLength = r.ContentLength
		default:
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, req, payload, service, region, when); err != nil {
		return "", err
	}
	m := authorizationHeader.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil || m[5] != signed {
		return "", nil // another set of headers signed: not the SDK's signature
	}
	return m[6], nil
}

// s3AuthError answers an S3 authentication error document.
func s3AuthError(w http.ResponseWriter, e *authError) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", "4442587FB7D0A2F9")
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>` + e.code + `</Code><Message>` + e.msg + `</Message>` + e.extra +
		`<RequestId>4442587FB7D0A2F9</RequestId><HostId>aG9zdC1pZA==</HostId></Error>`))
}

// TestStandInAuthenticates: a request signed with a key the account does
// not have, a secret that is not the key's, a session token not issued
// with it, a signing time more than 15 minutes from AWS's clock, or a
// body changed after signing is refused with the code, status and
// document shape of its service; the call is recorded as refused, in no
// trail if it is S3's; every answer's Date header is AWS's clock.
func TestStandInAuthenticates(t *testing.T) {
	const skew = 40 * time.Minute // AWS's clock ahead of the host's
	good := aws.Credentials{AccessKeyID: testAccessKeyID, SecretAccessKey: testSecretKey}
	wrongSecret := aws.Credentials{AccessKeyID: testAccessKeyID, SecretAccessKey: "not-the-key's-secret-0123456789abcdefghij"}
	unknown := aws.Credentials{AccessKeyID: "AKIANOTTHEACCOUNTS01", SecretAccessKey: testSecretKey}
	withToken := aws.Credentials{AccessKeyID: testAccessKeyID, SecretAccessKey: testSecretKey, SessionToken: "not-issued"}
	const (
		sts = "Action=GetCallerIdentity&Version=2011-06-15"
		ec2 = "Action=DescribeSecurityGroups&Version=2016-11-15"
		iam = "Action=ListUsers&Version=2010-05-08"
	)
	tests := []struct {
		name, service, region, path, form string
		creds                             aws.Credentials
		signedAt                          time.Duration // from AWS's clock
		tamper                            bool          // the body changed after signing
		wantStatus                        int
		wantCode, wantRoot, wantIn        string
	}{
		{"sts signed", "sts", "eu-west-1", "/", sts, good, 0, false, http.StatusOK, "", "GetCallerIdentityResponse", ""},
		{"sts wrong secret", "sts", "eu-west-1", "/", sts, wrongSecret, 0, false, http.StatusForbidden, "SignatureDoesNotMatch", "ErrorResponse", "Check your AWS Secret Access Key"},
		{"sts unknown key", "sts", "eu-west-1", "/", sts, unknown, 0, false, http.StatusForbidden, "InvalidClientTokenId", "ErrorResponse", "security token included in the request is invalid"},
		{"sts token not issued", "sts", "eu-west-1", "/", sts, withToken, 0, false, http.StatusForbidden, "InvalidClientTokenId", "ErrorResponse", ""},
		{"sts signed 20 min ago", "sts", "eu-west-1", "/", sts, good, -20 * time.Minute, false, http.StatusForbidden, "SignatureDoesNotMatch", "ErrorResponse", "Signature expired: "},
		{"sts signed 20 min ahead", "sts", "eu-west-1", "/", sts, good, 20 * time.Minute, false, http.StatusForbidden, "SignatureDoesNotMatch", "ErrorResponse", "Signature not yet current: "},
		{"sts signed 14 min ago", "sts", "eu-west-1", "/", sts, good, -14 * time.Minute, false, http.StatusOK, "", "GetCallerIdentityResponse", ""},
		{"sts body changed", "sts", "eu-west-1", "/", sts, good, 0, true, http.StatusForbidden, "SignatureDoesNotMatch", "ErrorResponse", ""},
		{"iam wrong secret", "iam", "us-east-1", "/", iam, wrongSecret, 0, false, http.StatusForbidden, "SignatureDoesNotMatch", "ErrorResponse", "iam.amazonaws.com/doc/2010-05-08"},
		{"iam signed 20 min ago", "iam", "us-east-1", "/", iam, good, -20 * time.Minute, false, http.StatusForbidden, "SignatureDoesNotMatch", "ErrorResponse", "Signature expired: "},
		{"ec2 signed", "ec2", "eu-west-1", "/", ec2, good, 0, false, http.StatusOK, "", "DescribeSecurityGroupsResponse", ""},
		{"ec2 wrong secret", "ec2", "eu-west-1", "/", ec2, wrongSecret, 0, false, http.StatusForbidden, "SignatureDoesNotMatch", "Response", "<Errors>"},
		{"ec2 unknown key", "ec2", "eu-west-1", "/", ec2, unknown, 0, false, http.StatusUnauthorized, "AuthFailure", "Response", "<Errors>"},
		{"ec2 signed 20 min ago", "ec2", "eu-west-1", "/", ec2, good, -20 * time.Minute, false, http.StatusBadRequest, "RequestExpired", "Response", "Request has expired."},
		{"s3 signed", "s3", "eu-west-1", "/?max-buckets=1000", "", good, 0, false, http.StatusOK, "", "ListAllMyBucketsResult", ""},
		{"s3 wrong secret", "s3", "eu-west-1", "/?max-buckets=1000", "", wrongSecret, 0, false, http.StatusForbidden, "SignatureDoesNotMatch", "Error", "<AWSAccessKeyId>" + testAccessKeyID},
		{"s3 unknown key", "s3", "eu-west-1", "/?max-buckets=1000", "", unknown, 0, false, http.StatusForbidden, "InvalidAccessKeyId", "Error", "<AWSAccessKeyId>AKIANOTTHEACCOUNTS01"},
		{"s3 token not issued", "s3", "eu-west-1", "/?max-buckets=1000", "", withToken, 0, false, http.StatusBadRequest, "InvalidToken", "Error", ""},
		{"s3 signed 20 min ago", "s3", "eu-west-1", "/?max-buckets=1000", "", good, -20 * time.Minute, false, http.StatusForbidden, "RequestTimeTooSkewed", "Error", "<MaxAllowedSkewMilliseconds>900000"},
		{"s3 control signed 20 min ahead", "s3", "eu-west-1", accountBlockPath, "", good, 20 * time.Minute, false, http.StatusForbidden, "RequestTimeTooSkewed", "ErrorResponse", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStandIn(t, []string{"private-logs"}, fixtures())
			st.skewClock(skew)
			method, body := http.MethodGet, io.Reader(nil)
			if tt.form != "" {
				method, body = http.MethodPost, strings.NewReader(tt.form)
			}
			req, err := http.NewRequest(method, st.URL()+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.form != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tt.path == accountBlockPath {
				req.Header.Set("X-Amz-Account-Id", "123456789012")
			}
			signRequest(t, req, tt.service, tt.region, tt.creds, time.Now().Add(skew+tt.signedAt))
			if tt.tamper {
				changed := strings.Replace(tt.form, "2011-06-15", "2011-06-16", 1)
				req.Body, req.ContentLength = io.NopCloser(strings.NewReader(changed)), int64(len(changed))
			}
			resp, got := send(t, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, got)
			}
			root, _, _ := rootElement(io.NopCloser(bytes.NewReader(got)))
			if root != tt.wantRoot {
				t.Errorf("root element <%s>, want <%s>: %s", root, tt.wantRoot, got)
			}
			if tt.wantCode != "" && !strings.Contains(string(got), "<Code>"+tt.wantCode+"</Code>") {
				t.Errorf("body %s, want the code %s", got, tt.wantCode)
			}
			if !strings.Contains(string(got), tt.wantIn) {
				t.Errorf("body %s, want %q in it", got, tt.wantIn)
			}
			if strings.Contains(string(got), tt.creds.SecretAccessKey) {
				t.Errorf("the answer quotes the secret: %s", got)
			}
			date, err := http.ParseTime(resp.Header.Get("Date"))
			if err != nil || date.Sub(time.Now().Add(skew)).Abs() > time.Minute {
				t.Errorf("Date %q, want AWS's clock, %s ahead of the host's", resp.Header.Get("Date"), skew)
			}
			calls := st.calls()
			if len(calls) != 1 {
				t.Fatalf("%d calls recorded, want 1: %+v", len(calls), calls)
			}
			unlogged := tt.wantCode != ""
			if calls[0].Refused != tt.wantCode || len(st.logged()) != map[bool]int{true: 0, false: 1}[unlogged] {
				t.Errorf("call refused with %q, %d logged; want refused with %q, logged unless refused (no trail logs a call AWS could not authenticate)", calls[0].Refused,
					len(st.logged()), tt.wantCode)
			}
		})
	}
}
