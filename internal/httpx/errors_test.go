package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHTTPErrorMessage(t *testing.T) {
	tests := []struct {
		err  *HTTPError
		want string
	}{
		{&HTTPError{Op: "callback", Status: 400, Body: "bad", Attempts: 1}, `callback rejected: status 400: "bad"`},
		{&HTTPError{Op: "callback", Status: 503, Attempts: 4, Exhausted: true}, `callback failed after 4 attempts: status 503`},
		{&HTTPError{Op: "callback", Status: 503, Attempts: 1, Exhausted: true}, `callback failed after 1 attempt: status 503`}, // t75: not "1 attempts"
		{&HTTPError{Op: "reception", Err: errors.New("connection refused"), Attempts: 3, Exhausted: true},
			`reception failed after 3 attempts: connection refused`},
		{&HTTPError{Status: 302, Attempts: 1, Location: "https://h/x"}, `request failed: status 302: redirected to https://h/x; redirects are not followed: a later try may get an answer, or fix the URL`},
		{&HTTPError{Op: "search", Err: errors.New("x509: unknown authority"), Attempts: 1}, `search failed: x509: unknown authority`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %s, want %s", got, tt.want)
		}
	}
}

func TestHTTPErrorIs(t *testing.T) {
	perm := &HTTPError{Status: 404}
	exh := &HTTPError{Status: 500, Exhausted: true}
	conflict := &HTTPError{Status: 409}
	exhConflict := &HTTPError{Status: 409, Exhausted: true}
	net := &HTTPError{Err: context.DeadlineExceeded, Exhausted: true}
	checks := []struct {
		err    error
		target error
		want   bool
	}{
		{perm, ErrPermanent, true}, {perm, ErrRetriesExhausted, false},
		{exh, ErrRetriesExhausted, true}, {exh, ErrPermanent, false},
		{conflict, ErrPermanent, false}, {conflict, ErrRetriesExhausted, false},
		{exhConflict, ErrRetriesExhausted, true}, {exhConflict, ErrPermanent, false},
		{net, context.DeadlineExceeded, true}, {net, ErrRetriesExhausted, true},
		{fmt.Errorf("deliver: %w", perm), ErrPermanent, true},
	}
	for i, c := range checks {
		if got := errors.Is(c.err, c.target); got != c.want {
			t.Errorf("%d: errors.Is(%v, %v) = %v", i, c.err, c.target, got)
		}
	}
}

func TestStatusClasses(t *testing.T) {
	tests := []struct {
		code        int
		retry, perm bool
	}{
		{0, true, false}, {200, false, false}, {302, false, false}, {400, false, true}, {401, false, true},
		{403, false, true}, {404, false, true}, {408, true, false}, {409, false, false}, {410, false, true},
		{413, false, true}, {422, false, true}, {429, true, false}, {499, false, true}, {500, true, false},
		{501, false, true}, {502, true, false}, {503, true, false}, {504, true, false}, {505, false, true}, {507, true, false},
		{599, true, false}, {600, false, false},
	}
	for _, tt := range tests {
		if r, p := RetryableStatus(tt.code, "op"), PermanentStatus(tt.code); r != tt.retry || p != tt.perm {
			t.Errorf("status %d: retry %v permanent %v, want %v %v", tt.code, r, p, tt.retry, tt.perm)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
		at   time.Duration // now is this far past midnight; 0: midnight
	}{
		{"", 0, false, 0},
		{"7", 7 * time.Second, true, 0},
		{" 10 ", 10 * time.Second, true, 0},
		{"\t5", 5 * time.Second, true, 0}, // OWS is SP or HTAB
		{"05", 5 * time.Second, true, 0},  // 1*DIGIT: a leading zero is a digit
		{"+5", 0, false, 0},               // delay-seconds has no sign
		{"+0", 0, false, 0},
		{"\v5", 0, false, 0}, // not OWS
		{"5\n", 0, false, 0},
		{"5\u00a0", 0, false, 0},
		{"+99999999999999999999", 0, false, 0},
		{"\u0665", 0, false, 0}, // an Arabic-Indic five is no DIGIT
		{"0", 0, true, 0},
		{"-1", 0, false, 0},
		{"1.5", 0, false, 0},
		{"soon", 0, false, 0},
		{"99999999999999999999", 1 << 20 * time.Second, true, 0},
		{"-99999999999999999999", 0, false, 0},
		{"Fri, 27 Nov 2026 00:00:09 GMT", 9 * time.Second, true, 0},
		{"Friday, 27-Nov-26 00:01:30 GMT", 90 * time.Second, true, 0},
		{"Thu, 26 Nov 2026 23:00:00 GMT", 0, true, 0}, // past: no wait asked, as 0 (the Poster waits its backoff step)
		{"Fri, 27 Nov 2026 00:00:00 GMT", 0, true, 0}, // now
		// t83: a date names a whole second: the time left is rounded up,
		// as the seconds form asks (1s, not the 0.154s left).
		{"Fri, 27 Nov 2026 00:00:01 GMT", time.Second, true, 846 * time.Millisecond},
		{"Fri, 27 Nov 2026 00:00:09 GMT", 9 * time.Second, true, 500 * time.Millisecond},
		{"Fri, 27 Nov 2026 00:00:09 GMT", 9 * time.Second, true, time.Nanosecond},
		{"Fri, 27 Nov 2026 00:00:00 GMT", 0, true, 300 * time.Millisecond},                     // past by 0.3s
		{"Fri, 31 Dec 9999 23:59:59 GMT", 1 << 20 * time.Second, true, 846 * time.Millisecond}, // capped as the seconds
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now.Add(tt.at))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseRetryAfter checks the reading of a Retry-After header (RFC
// 9110, 10.2.3: delay-seconds, 1*DIGIT, or an HTTP-date) against a second
// reading: ASCII digits alone, with optional whitespace (SP, HTAB) around
// them, are that many seconds, at most mostRetryAfter (a sign before them
// is no delay-seconds); a date net/http reads (http.ParseTime: IMF-fixdate,
// RFC 850, asctime) is the time until it rounded up to whole seconds, at
// most mostRetryAfter, 0 when past; anything else, a negative number
// included, is refused with no wait.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "30", "-5", "99999999999999999999", "Fri, 27 Nov 2026 00:00:09 GMT",
		"Friday, 27-Nov-26 00:00:09 GMT", "soon", http.TimeFormat, " 7 ", "+3", "\t05", "\v5", "1e3", "0x10", "Thu Nov 26 23:59:59 2026"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 0, 0, 0, 400_000_000, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		var want time.Duration
		wantOK := false
		v := strings.Trim(s, " \t")
		if digits := v; digits != "" && strings.Trim(digits, "0123456789") == "" {
			wantOK, want = true, mostRetryAfter
			if n, err := strconv.ParseInt(digits, 10, 64); err == nil && n < int64(mostRetryAfter/time.Second) {
				want = time.Duration(n) * time.Second
			}
		} else if at, err := http.ParseTime(v); err == nil {
			wantOK = true
			if left := min(at.Sub(now), mostRetryAfter); left > 0 {
				want = (left + time.Second - 1) / time.Second * time.Second
			}
		}
		if d != want || ok != wantOK {
			t.Fatalf("ParseRetryAfter(%q) = %v, %t; want %v, %t", s, d, ok, want, wantOK)
		}
	})
}

func TestWrapperHelpers(t *testing.T) {
	for want, got := range map[string]string{
		`: status 400: "bad"`:  Detail(400, "", "bad", errors.New("ignored")),
		`: status 503`:         Detail(503, "", "", nil),
		`: connection refused`: Detail(0, "", "", errors.New("connection refused")),
		``:                     Detail(0, "", "", nil),
	} {
		if got != want {
			t.Errorf("Detail = %q, want %q", got, want)
		}
	}
	he := &HTTPError{Status: 500}
	if got := Cause(he, context.Canceled); got != he {
		t.Errorf("Cause(he, err) = %v, want he", got)
	}
	if got := Cause(nil, context.Canceled); got != context.Canceled {
		t.Errorf("Cause(nil, err) = %v, want err", got)
	}
	if got := Cause(nil, nil); got != nil {
		t.Errorf("Cause(nil, nil) = %#v, want a nil error", got)
	}
	for _, target := range []error{ErrPermanent, ErrRetriesExhausted, context.Canceled} {
		if Matches(target, false, false) {
			t.Errorf("Matches(%v, false, false) = true", target)
		}
	}
	if !Matches(ErrPermanent, true, false) || !Matches(ErrRetriesExhausted, false, true) || Matches(ErrPermanent, false, true) {
		t.Error("Matches does not follow its flags")
	}
}

// TestGatewayNoAnswer: a 502 and a 504 are a gateway's word that the
// server gave no answer; a 503 is one only when Envoy wrote it after the
// connection to the server was made (its reset reason says so), not when
// it never sent the request, nor any other 503.
func TestGatewayNoAnswer(t *testing.T) {
	const reset = "upstream connect error or disconnect/reset before headers. "
	tests := []struct {
		status int
		body   string
		want   bool
	}{
		{502, "", true},
		{504, "upstream request timeout", true},
		{503, "", false},
		{503, `{"message":"Service Unavailable"}`, false},
		{503, "no healthy upstream", false},
		{503, reset + "reset reason: connection termination", true},
		{503, reset + "reset reason: remote reset", true},
		{503, reset + "reset reason: protocol error", true},
		{503, reset + "retried and the latest reset reason: connection termination", true},
		{503, reset + "reset reason: connection failure", false},
		{503, reset + "reset reason: remote connection failure, transport failure reason: delayed connect error: 111", false},
		{503, reset + "retried and the latest reset reason: local connection failure", false},
		{503, reset + "reset reason: connection timeout", false},
		{503, reset + "reset reason: overflow", false},
		{500, reset + "reset reason: connection termination", false},
		{429, "", false},
	}
	for _, tt := range tests {
		if got := GatewayNoAnswer(tt.status, tt.body); got != tt.want {
			t.Errorf("GatewayNoAnswer(%d, %q) = %v, want %v", tt.status, tt.body, got, tt.want)
		}
	}
}

// canned answers every request 200 with an empty body, without a network.
type canned struct{}

func (canned) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// TestShownURLOnlyForAnError checks that a request that succeeds does not
// work out the URL its errors would show: without Shown it allocates no
// more than with it.
func TestShownURLOnlyForAnError(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts vary under the race detector")
	}
	p := &Poster{Client: &http.Client{Transport: canned{}}}
	tests := []struct {
		name string
		url  string
	}{
		{"plain", "http://127.0.0.1:1/api/injects/i-1/callback"},
		{"credentials and query", "http://user:pw@127.0.0.1:1/api/injects/i-1/callback?token=t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := func(shown string) float64 {
				return testing.AllocsPerRun(50, func() {
					if _, err := p.Do(context.Background(), Request{URL: tt.url, Shown: shown, StatusOnly: true}); err != nil {
						t.Fatal(err)
					}
				})
			}
			given, worked := allocs("http://127.0.0.1:1/shown"), allocs("")
			if worked > given {
				t.Errorf("%.0f allocations without Shown, %.0f with it: want no more", worked, given)
			}
		})
	}
}
