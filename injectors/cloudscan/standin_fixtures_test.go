package cloudscan

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The stand-in's answers: fixtures looked up in its dirs, errors with the
// status AWS gives them.

// s3Error answers an S3 error document.
func s3Error(w http.ResponseWriter, status int, code, msg, bucket string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", "4442587FB7D0A2F9")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>` + code + `</Code><Message>` + msg + `</Message><BucketName>` + bucket +
		`</BucketName><RequestId>4442587FB7D0A2F9</RequestId><HostId>aG9zdC1pZA==</HostId></Error>`))
}

// find returns the path of the fixture for base, its qualifiers and suffix,
// or "".
func (s *standIn) find(base string, qualifiers []string, suffix string) string {
	var names []string
	for _, q := range qualifiers {
		if q != "" {
			names = append(names, base+"."+q+suffix)
		}
	}
	names = append(names, base+suffix)
	for _, dir := range s.dirs {
		for _, n := range names {
			p := filepath.Join(dir, n+".xml")
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return ""
}

// serve writes the fixture for base (or fallback), preferring its ".first"
// variant on the first request.
func (s *standIn) serve(w http.ResponseWriter, base string, qualifiers []string, fallback string) {
	key := base + "|" + strings.Join(qualifiers, "|")
	s.mu.Lock()
	s.served[key]++
	n := s.served[key]
	s.mu.Unlock()
	path := ""
	if n == 1 {
		path = s.find(base, qualifiers, ".first")
	}
	if path == "" {
		path = s.find(base, qualifiers, "")
	}
	if path == "" && fallback != "" {
		path = s.find(fallback, nil, "")
	}
	if path == "" {
		s.t.Errorf("stand-in: no fixture for %s", base)
		http.Error(w, "no fixture for "+base, http.StatusNotImplemented)
		return
	}
	body, err := os.ReadFile(path)
	if err != nil {
		s.t.Errorf("stand-in: %v", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	status := errorStatus(body)
	if m := callerAccount.FindSubmatch(body); m != nil && status == http.StatusOK {
		s.mu.Lock()
		s.account = string(m[1])
		s.mu.Unlock()
	}
	if m := pagingToken.FindSubmatch(body); m != nil && status == http.StatusOK {
		s.mu.Lock()
		s.issued[pageKey(base, string(m[2]))] = true
		s.mu.Unlock()
	}
	if status == http.StatusOK {
		s.learnIssued(body)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", "b25f48e8-84fd-11e6-80d4-fixture")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var callerAccount = regexp.MustCompile(`<GetCallerIdentityResult>(?s:.*)<Account>(\d+)</Account>`)

// identity returns the account the stand-in's GetCallerIdentity answered
// with, "" when it answered none.
func (s *standIn) identity() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account
}

var errorCode = regexp.MustCompile(`<Code>([^<]+)</Code>`)

// errorStatus returns the HTTP status AWS answers an error document with, or
// 200 for a body that is not an error.
func errorStatus(body []byte) int {
	s := string(body)
	if !strings.Contains(s, "<ErrorResponse") && !strings.Contains(s, "<Errors>") && !strings.Contains(s, "<Error>") {
		return http.StatusOK
	}
	m := errorCode.FindStringSubmatch(s)
	if m == nil {
		return http.StatusInternalServerError
	}
	switch m[1] {
	case "AccessDenied", "UnauthorizedOperation", "AccessDeniedException", "InvalidClientTokenId":
		return http.StatusForbidden
	case "ExpiredToken":
		// A query API's (IAM, STS: <ErrorResponse>) is 403, S3's 400.
		if strings.Contains(s, "<ErrorResponse") {
			return http.StatusForbidden
		}
		return http.StatusBadRequest
	case "Throttling", "ThrottlingException":
		return http.StatusBadRequest
	case "RequestLimitExceeded", "SlowDown", "ServiceUnavailable":
		return http.StatusServiceUnavailable
	}
	if strings.HasPrefix(m[1], "NoSuch") {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// pagingToken finds the token of a page that has a next one: IAM's Marker
// (sent only when IsTruncated is true), EC2's nextToken, S3 ListBuckets'
// ContinuationToken.
var pagingToken = regexp.MustCompile(`<(Marker|nextToken|NextToken|ContinuationToken)>([^<]+)</`)

// tokenForm is the form of the paging tokens the fixtures use: it names a
// fixture file, so nothing else is accepted.
var tokenForm = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// pageKey names a token by the fixture base (service/Action) that issued it
// and the fixture base of its page: "<Action>.<token>".
func pageKey(base, token string) string {
	if i := strings.LastIndex(base, "."); i > strings.LastIndex(base, string(filepath.Separator)) {
		base = base[:i] // a later page's base: the action's
	}
	return base + "|" + token
}

// maxFollows is how many requests for one page the stand-in answers: a
// client asking more is caught in a listing that never ends (a fixture
// that gives its own token again), and is refused so that the test ends.
const maxFollows = 5

// page returns the fixture base of the page a request asks for: base for
// the first (no token), base.<token> for the page a token the stand-in
// issued for base points at. A token it did not issue fails the test, as
// AWS refuses one it did not hand out; so does a page asked for more than
// maxFollows times. An SDK's resend of a call the stand-in answered with
// success (the client lost the answer on its side) gets the page without
// counting as asking for it again: the executor asked once.
func (s *standIn) page(w http.ResponseWriter, r *http.Request, base, token string) (string, bool) {
	if token == "" {
		return base, true
	}
	key := pageKey(base, token)
	s.mu.Lock()
	issued := s.issued[key]
	if !s.resentLocked(r) {
		s.followed[key]++
	}
	n := s.followed[key]
	s.mu.Unlock()
	if !issued || !tokenForm.MatchString(token) {
		s.t.Errorf("stand-in: %s asked for page %q, a token it never issued", base, token)
		http.Error(w, "unknown paging token", http.StatusBadRequest)
		return "", false
	}
	if n > maxFollows {
		s.t.Errorf("stand-in: %s asked for page %q %d times: a listing that never ends", base, token, n)
		http.Error(w, "page asked for too often", http.StatusBadRequest)
		return "", false
	}
	return base + "." + token, true
}

// refollowed returns the paging tokens calls came back with more than
// once: pages the client asked for again (an SDK's resend of a call
// answered with success is not another call).
func (s *standIn) refollowed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, n := range s.followed {
		if n > 1 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// unfollowed returns the paging tokens the stand-in issued that no request
// came back with: pages the client never read.
func (s *standIn) unfollowed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.issued {
		if s.followed[k] == 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// iamSigningRegions are the regions IAM accepts a request signed for: its
// partitions' global regions, the credential scope of each partition's
// IAM endpoint in the SDK's endpoint data (aws, aws-cn, aws-us-gov,
// aws-iso, aws-iso-b, aws-iso-f, aws-iso-e, aws-eusc; the stand-in serves
// every partition at one endpoint). AWS answers any other with
// SignatureDoesNotMatch.
var iamSigningRegions = map[string]bool{
	"us-east-1": true, "cn-north-1": true, "us-gov-west-1": true, "us-iso-east-1": true, "us-isob-east-1": true,
	"us-isof-south-1": true, "eu-isoe-west-1": true, "eusc-de-east-1": true,
}

// queryError answers a query-protocol (IAM, STS) error document.
func queryError(w http.ResponseWriter, status int, xmlns, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", "b25f48e8-84fd-11e6-80d4-standin")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<ErrorResponse xmlns="` + xmlns + `"><Error><Type>Sender</Type><Code>` + code +
		`</Code><Message>` + msg + `</Message></Error><RequestId>b25f48e8-84fd-11e6-80d4-standin</RequestId></ErrorResponse>`))
}

// ec2Error answers an EC2 error document.
func ec2Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>` + code + `</Code><Message>` + msg +
		`</Message></Error></Errors><RequestID>b25f48e8-84fd-11e6-80d4-standin</RequestID></Response>`))
}

var signedHeaders = regexp.MustCompile(`SignedHeaders=([^,\s]+)`)

// echoMessage is the message AWS answers code with, quoting r:
// SignatureDoesNotMatch quotes the canonical request it expected, each
// signed header with its value, x-amz-security-token (the session token)
// included (AWS General Reference, "Troubleshoot signing errors");
// IncompleteSignature quotes the Authorization header, whose credential
// scope holds the access key id. Any other code stands for an answer that
// would echo the request's credential values in every form: as is, URL
// encoded (either case) and base64; a web identity call's, its token.
func echoMessage(r *http.Request, code string) string {
	if tok := r.PostForm.Get("WebIdentityToken"); tok != "" {
		return "token " + tok + " query " + url.QueryEscape(tok) + " json " + jsonSlashes(tok) +
			" base64 " + base64.StdEncoding.EncodeToString([]byte(tok))
	}
	switch code {
	case "SignatureDoesNotMatch":
		var canon strings.Builder
		canon.WriteString(r.Method + "\n" + r.URL.EscapedPath() + "\n" + r.URL.RawQuery + "\n")
		m := signedHeaders.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil {
			return "The request signature we calculated does not match the signature you provided."
		}
		for _, h := range strings.Split(m[1], ";") {
			v := r.Header.Get(h)
			if h == "host" {
				v = r.Host
			}
			canon.WriteString(h + ":" + v + "\n")
		}
		canon.WriteString("\n" + m[1] + "\n" + r.Header.Get("X-Amz-Content-Sha256"))
		return "The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
			"The Canonical String for this request should have been\n'" + canon.String() + "'\n"
	case "IncompleteSignature":
		return "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" +
			r.Header.Get("Authorization")
	}
	key := ""
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		key = m[1]
	}
	tok := r.Header.Get("X-Amz-Security-Token")
	return "credentials " + key + " " + tok + " query " + url.QueryEscape(tok) + " lower " +
		strings.ToLower(url.QueryEscape(tok)) + " path " + url.PathEscape(tok) +
		" base64 " + base64.StdEncoding.EncodeToString([]byte(tok)) +
		" base64url " + base64.RawURLEncoding.EncodeToString([]byte(tok)) +
		" key lower " + strings.ToLower(key) + " token json " + jsonSlashes(tok) +
		" token form-decoded " + strings.ReplaceAll(tok, "+", " ") +
		" secret json " + jsonSlashes(testEscapableSecretKey) + " secret form-decoded " +
		strings.ReplaceAll(testEscapableSecretKey, "+", " ")
}

var (
	listedBucket = regexp.MustCompile(`(?s)<Bucket>.*?</Bucket>\s*`)
	bucketRegion = regexp.MustCompile(`<BucketRegion>([^<]*)</BucketRegion>`)
)

// writeBuckets writes the ListBuckets answer rec holds to w, each bucket
// naming no region given its home (a gofakes3 bucket, which gofakes3
// lists without one), without the buckets of a region other than region
// when it is not "" (the bucket-region filter). A bucket with no region
// at all fails the test: every S3 bucket has one.
func (s *standIn) writeBuckets(w http.ResponseWriter, rec *httptest.ResponseRecorder, region string) {
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		body = listedBucket.ReplaceAllFunc(body, func(b []byte) []byte {
			name := listedName.FindSubmatch(b)
			if name != nil && bucketRegion.Find(b) == nil && s.homes[string(name[1])] != "" {
				b = bytes.Replace(b, []byte("</Bucket>"), []byte("<BucketRegion>"+s.homes[string(name[1])]+"</BucketRegion></Bucket>"), 1)
			}
			m := bucketRegion.FindSubmatch(b)
			if m == nil {
				s.t.Errorf("stand-in: ListBuckets lists %q with no region; every S3 bucket has one", b)
				return b
			}
			if region != "" && string(m[1]) != region {
				return nil
			}
			return b
		})
	}
	for k, vs := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// TestStandInErrorStatus: a fixture's error document is served with the
// status AWS answers its code with, by service where they differ.
func TestStandInErrorStatus(t *testing.T) {
	query := func(code string) string {
		return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>` + code +
			`</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>`
	}
	s3 := func(code string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>m</Message></Error>`
	}
	ec2 := func(code string) string {
		return `<Response><Errors><Error><Code>` + code + `</Code><Message>m</Message></Error></Errors></Response>`
	}
	for _, tt := range []struct {
		name, body string
		want       int
	}{
		{"STS ExpiredToken", query("ExpiredToken"), http.StatusForbidden},
		{"S3 ExpiredToken", s3("ExpiredToken"), http.StatusBadRequest},
		{"IAM Throttling", query("Throttling"), http.StatusBadRequest},
		{"EC2 RequestLimitExceeded", ec2("RequestLimitExceeded"), http.StatusServiceUnavailable},
		{"EC2 UnauthorizedOperation", ec2("UnauthorizedOperation"), http.StatusForbidden},
		{"S3 SlowDown", s3("SlowDown"), http.StatusServiceUnavailable},
		{"IAM NoSuchEntity", query("NoSuchEntity"), http.StatusNotFound},
		{"a result", `<GetCallerIdentityResponse><GetCallerIdentityResult/></GetCallerIdentityResponse>`, http.StatusOK},
	} {
		if got := errorStatus([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
}
