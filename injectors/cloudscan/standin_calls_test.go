package cloudscan

import (
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
)

// What the stand-in saw: the events it answered, the calls it logged, and
// the signed requests a test sends it directly.

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

// logged returns the calls a trail of the account logs: those signed for a
// region it has enabled (seenCall.Unlogged).
func (s *standIn) logged() []seenCall {
	return slices.DeleteFunc(s.calls(), func(c seenCall) bool { return c.Unlogged })
}

// maxInFlight returns the most requests served at once.
func (s *standIn) maxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// postQuery sends a query-protocol request for service, signed (in its
// credential scope only) for region, and returns the answer.
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
// signed (in its credential scope only) for service in region, and
// returns the answer's status and body.
func (s *standIn) getSigned(t *testing.T, path, service, region string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sendSigned(t, req, service, region)
}

// sendSigned sends req signed (in its credential scope only) for service
// in region, as the SDK would with the example key, and returns the
// answer's status and body.
func sendSigned(t *testing.T, req *http.Request, service, region string) (int, []byte) {
	t.Helper()
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/"+region+"/"+service+
		"/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// trailAgent is the userAgent CloudTrail logs for event sent with the
// User-Agent header ua: S3's in square brackets, the others' as sent.
func trailAgent(event, ua string) string {
	if strings.HasPrefix(event, "s3.amazonaws.com:") {
		return "[" + ua + "]"
	}
	return ua
}
