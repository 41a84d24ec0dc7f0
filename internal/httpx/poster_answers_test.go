package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// TestPosterDecode: a Request's Decode reads a 2xx body as it arrives,
// within MaxReply: a longer body fails as it does without Decode, not
// retried, even when Decode then returns an error of its own; a body cut
// short is an unreadable reply, retried, Decode then called afresh;
// Decode's own error ends Do as it is, not retried.
func TestPosterDecode(t *testing.T) {
	cut := cutReply(t, "start")
	errRefused := errors.New("not a page")
	tests := []struct {
		name      string
		url       string
		refuse    error  // Decode's error once it read the body, in place of the read's
		wantErr   string // "" for none
		wantCalls int    // calls of Decode
		wantRead  string // what the last call read
		attempts  int
	}{
		{"read as it arrives", newServer(t, recorder.Reply{Status: 200, Body: strings.Repeat("x", 99)}).URL,
			nil, "", 1, strings.Repeat("x", 99), 1},
		{"longer than MaxReply", newServer(t, recorder.Reply{Status: 200, Body: strings.Repeat("x", 100)}).URL,
			nil, "search failed: status 200: reply larger than 99 bytes", 1, strings.Repeat("x", 99), 1},
		{"longer than MaxReply, Decode failing on it", newServer(t, recorder.Reply{Status: 200, Body: strings.Repeat("x", 100)}).URL,
			errRefused, "search failed: status 200: reply larger than 99 bytes", 1, strings.Repeat("x", 99), 1},
		{"cut short", cut.URL, nil, "search failed after 2 attempts: read reply: unexpected EOF", 2, "start", 2},
		{"refused by Decode", newServer(t, recorder.Reply{Status: 201, Body: "{}"}).URL, errRefused, "not a page", 1, "{}", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Poster{Client: NewDefaultClient(), MaxReply: 99, Attempts: 2, Backoff: Exponential(0, 0), Timer: &httpxtest.Timer{}}
			calls, read := 0, ""
			rep, err := p.Do(context.Background(), Request{Op: "search", URL: tt.url, Decode: func(status int, body io.Reader) error {
				calls++
				b, err := io.ReadAll(body)
				read = string(b)
				if tt.refuse != nil { // its own error, whatever the read's
					return tt.refuse
				}
				return err
			}})
			switch {
			case tt.wantErr == "" && (err != nil || rep.Body != nil || rep.Status != 200):
				t.Fatalf("Do = %+v, %v; want a 200 without a Body", rep, err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			case tt.refuse != nil && tt.wantErr == tt.refuse.Error() && err != tt.refuse:
				t.Errorf("error = %#v, want Decode's as it is", err)
			}
			if calls != tt.wantCalls || read != tt.wantRead || rep.Attempts != tt.attempts {
				t.Errorf("Decode called %d times, last read %q, %d attempts; want %d, %q, %d",
					calls, read, rep.Attempts, tt.wantCalls, tt.wantRead, tt.attempts)
			}
		})
	}
}

// A 3xx is sent once and reported with where it pointed, shown without
// credentials or query values, and whether a later try may succeed: a
// 301 or 308 promises none.
func TestPosterRedirect(t *testing.T) {
	const secret = "s3cr3t-Redirect"
	tests := []struct {
		status   int
		location string
		want     []string
		not      []string
	}{
		{301, "https://user:pw@example.test/api?token=" + secret,
			[]string{"callback failed: status 301: redirected to https://example.test/api?token=REDACTED for good",
				"redirects are not followed: fix the URL, for example http:// to https://"},
			[]string{"pw@", secret, "later try"}},
		{308, "https://example.test/x", []string{"status 308: redirected to https://example.test/x for good"}, []string{"later try"}},
		{302, "/elsewhere", []string{"status 302: redirected to http://127.0.0.1:", "/elsewhere;", "a later try may get an answer"},
			[]string{"for good"}},
		{307, "", []string{"status 307: redirected with no Location;"}, nil},
		// t81: the secret spread over path segments is no secret word,
		// but the Location is server text: withheld whole.
		{302, "https://example.test/ok/s3cr3t/-Redi/rect/", []string{"status 302: redirected to [server text withheld: it echoed a secret"},
			[]string{"s3cr3t/", "Redi/rect"}},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status)+" "+tt.location, func(t *testing.T) {
			h := http.Header{}
			if tt.location != "" {
				h.Set("Location", tt.location)
			}
			srv := newServer(t, recorder.Reply{Status: tt.status, Header: h, Body: "<html>moved</html>"})
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Secrets: []string{secret}}
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL + "/x", Body: []byte(`{}`)})
			var he *HTTPError
			if !errors.As(err, &he) || he.Attempts != 1 || he.Permanent() || he.Exhausted {
				t.Fatalf("Do = %#v, want one attempt, neither permanent nor exhausted", err)
			}
			if PermanentRedirect(tt.status) != (tt.status == 301 || tt.status == 308) {
				t.Errorf("PermanentRedirect(%d) wrong", tt.status)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, n := range append(tt.not, "<html>", "rejected") {
				if strings.Contains(msg, n) {
					t.Errorf("error %q holds %q", msg, n)
				}
			}
			if len(srv.Requests()) != 1 {
				t.Errorf("%d requests, want 1 (the redirect not followed)", len(srv.Requests()))
			}
		})
	}
}

// t67: a Retry-After above the cap (or below MinWait) is waited as capped,
// and the WARN line says what the server asked and what is waited; one
// waited as asked says nothing more. h78: one asking for no wait (0, a
// date past) waits the backoff step, and the line says so.
func TestPosterRetryAfterLine(t *testing.T) {
	tests := []struct {
		value   string
		minWait time.Duration
		want    string // the retry_after field; "": none
	}{
		{"3600", 0, "asked 3600s, waiting 30s"},
		{"0", 1500 * time.Millisecond, "asked 0s, waiting 1.5s"},
		{"0", 0, "asked 0s, waiting 1s"}, // h78: the backoff step
		{"Mon, 02 Jan 2006 15:04:05 GMT", 0, "asked 0s, waiting 1s"},
		{"7", 0, ""},
		// t75: said as asked, not as the 2^20 s the parse caps it at.
		{"99999999999999999999", 0, "asked more than 12 days, waiting 30s"},
		{"1048576", 0, "asked more than 12 days, waiting 30s"},
		{"1048575", 0, "asked 1048575s, waiting 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.value+" "+tt.minWait.String(), func(t *testing.T) {
			srv := newServer(t, recorder.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {tt.value}}})
			log, logs := testkit.Logger()
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, MinWait: tt.minWait, Log: log}
			if _, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL, Body: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			lines := logs.All()
			if len(lines) != 1 {
				t.Fatalf("%d lines, want one WARN", len(lines))
			}
			got, has := lines[0].ContextMap()["retry_after"]
			if (tt.want == "") == has || has && got != tt.want {
				t.Errorf("retry_after %v (present %v), want %q", got, has, tt.want)
			}
		})
	}
}

// t83: a Retry-After date names a whole second, as the seconds form does:
// the time left until it is rounded up, so that a date one second ahead
// is waited as "1" is (never the 0.154s left of it, shorter than any
// backoff step), a date past gets the backoff step, and the WARN line
// says so as it does for the seconds. The clock is synctest's, set within
// a second (its time starts at midnight); the server is real.
func TestPosterRetryAfterDate(t *testing.T) {
	midnight := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // synctest's start
	tests := []struct {
		name string
		at   time.Duration // the Poster's clock past midnight
		date time.Duration // the Retry-After date past midnight
		wait time.Duration
		line string // the retry_after field; "": none
	}{
		{"one second ahead", 846 * time.Millisecond, time.Second, time.Second, ""},
		{"five seconds ahead", 846 * time.Millisecond, 5 * time.Second, 5 * time.Second, ""},
		{"on the second", time.Second, 3 * time.Second, 2 * time.Second, ""},
		{"past by half a second", 500 * time.Millisecond, 0, time.Second, "asked 0s, waiting 1s"},
		{"an hour ahead", 846 * time.Millisecond, time.Hour, 30 * time.Second, "asked 3600s, waiting 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			date := midnight.Add(tt.date).Format(http.TimeFormat)
			srv := newServer(t, recorder.Reply{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {date}}})
			synctest.Test(t, func(t *testing.T) {
				if !time.Now().Equal(midnight) {
					t.Fatalf("synctest's clock starts at %v, want %v", time.Now(), midnight)
				}
				time.Sleep(tt.at) // the bubble's clock, moved at once
				log, logs := testkit.Logger()
				timer := &httpxtest.Timer{}
				p := Poster{Client: NewDefaultClient(), Timer: timer, Log: log}
				defer p.Client.CloseIdleConnections() // its connection's goroutines end in the bubble
				if _, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL, Body: []byte(`{}`)}); err != nil {
					t.Fatal(err)
				}
				if got := timer.Waits(); len(got) != 1 || got[0] != tt.wait {
					t.Errorf("waits %v, want [%v]", got, tt.wait)
				}
				lines := logs.All()
				if len(lines) != 1 {
					t.Fatalf("%d lines, want one WARN", len(lines))
				}
				f := lines[0].ContextMap()
				got, has := f["retry_after"]
				if f["wait"] != tt.wait || (tt.line == "") == has || has && got != tt.line {
					t.Errorf("wait %v retry_after %v (present %v), want %v and %q", f["wait"], got, has, tt.wait, tt.line)
				}
			})
		})
	}
}
