package cloudscan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// What the stand-in saw: the events it answered, the calls it logged, and
// the signed requests a test sends it directly.

// seenCall is one request the stand-in answered.
type seenCall struct {
	Event       string // eventSource:eventName, as CloudTrail writes it
	Region      string // from the SigV4 credential scope
	AccessKeyID string // from the SigV4 credential scope
	UserAgent   string
	// TrailAgent is the userAgent CloudTrail logs for the call
	// (trailAgent).
	TrailAgent string
	// BucketRegion is the bucket-region filter a ListBuckets sent.
	BucketRegion string
	// Resent marks an SDK's retry of an attempt this stand-in answered
	// with success: the client lost the answer on its own side (a pooled
	// connection closed under it), which no check of the executor's
	// asked for. count leaves it out.
	Resent bool
	// Unlogged marks a call signed for a region disableRegion disabled,
	// or one refuseKeyIn makes refuse the credentials: no trail of the
	// account logs it, so no signature may list it.
	Unlogged bool
	// Refused is the code AWS answered a call it could not authenticate
	// with (authenticate). No trail logs such a call, whatever its
	// service: CloudTrail logs "all authenticated API requests to IAM
	// and AWS STS API operations" (unauthenticated, AssumeRoleWithSAML
	// and AssumeRoleWithWebIdentity alone) and "authenticated requests
	// to other AWS service API operations" (IAM User Guide, "Logging IAM
	// and AWS STS API calls with AWS CloudTrail"); S3 requests that fail
	// authentication are not logged, those that fail authorization are
	// (Amazon S3 User Guide, "Logging Amazon S3 API calls using AWS
	// CloudTrail").
	Refused string
}

// record keeps the call r made, event, under region.
func (s *standIn) record(event, region string, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ua := r.Header.Get("User-Agent")
	c := seenCall{Event: event, Region: region, UserAgent: ua, TrailAgent: trailAgent(event, ua),
		BucketRegion: r.URL.Query().Get("bucket-region")}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		c.AccessKeyID = m[1]
	}
	c.Resent = s.resentLocked(r)
	c.Unlogged = s.disabled[region] || s.refusing[region]
	s.events = append(s.events, c)
}

// seen returns the sorted unique events answered, for every region or only
// the ones given.
func (s *standIn) seen(regions ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, e := range s.events {
		if len(regions) > 0 && !slices.Contains(regions, e.Region) {
			continue
		}
		set[e.Event] = true
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// count returns how many requests for event were answered, retries of
// throttled attempts included and an SDK's resend of an attempt already
// answered with success (Resent) left out.
func (s *standIn) count(event string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.events {
		if e.Event == event && !e.Resent {
			n++
		}
	}
	return n
}

func (s *standIn) calls() []seenCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenCall(nil), s.events...)
}

// logged returns the calls a trail of the account logs: those AWS
// authenticated, signed for a region it has enabled and that takes the
// credentials (seenCall.Unlogged, seenCall.Refused).
func (s *standIn) logged() []seenCall {
	return slices.DeleteFunc(s.calls(), func(c seenCall) bool { return c.Unlogged || c.Refused != "" })
}

// maxInFlight returns the most requests served at once.
func (s *standIn) maxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// postQuery sends a query-protocol request for service, signed with the
// test key for region, and returns the answer.
func (s *standIn) postQuery(t *testing.T, service, region, form string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL(), strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, body := sendSigned(t, req, service, region)
	return code, string(body)
}

// getSigned sends a GET of path (with its query) to the stand-in,
// signed with the test key for service in region, and
// returns the answer's status and body.
func (s *standIn) getSigned(t *testing.T, path, service, region string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sendSigned(t, req, service, region)
}

// sendSigned sends req signed for service in region, as the SDK would
// with the test key, and returns the answer's status and body.
func sendSigned(t *testing.T, req *http.Request, service, region string) (int, []byte) {
	t.Helper()
	signRequest(t, req, service, region, aws.Credentials{AccessKeyID: testAccessKeyID, SecretAccessKey: testSecretKey}, time.Now())
	resp, body := send(t, req)
	return resp.StatusCode, body
}

// send sends req and returns the answer, its body read.
func send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// signRequest signs req for service and region with creds at when, as
// the SDK signs it.
func signRequest(t *testing.T, req *http.Request, service, region string, creds aws.Credentials, when time.Time) {
	t.Helper()
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			t.Fatal(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	sum := sha256.Sum256(body)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, when); err != nil {
		t.Fatal(err)
	}
}

// trailAgent is the userAgent CloudTrail logs for event sent with the
// User-Agent header ua: S3's in square brackets, the others' as sent.
func trailAgent(event, ua string) string {
	if strings.HasPrefix(event, "s3.amazonaws.com:") {
		return "[" + ua + "]"
	}
	return ua
}
