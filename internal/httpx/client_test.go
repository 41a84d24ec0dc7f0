package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

func TestNewClientTLS(t *testing.T) {
	srv, hits := httpxtest.TLSServer(t)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		tls      TLS
		newErr   func(error) bool // nil: NewClient succeeds
		verified bool             // the request reaches the server
		warns    int
	}{
		{name: "verified by default", tls: TLS{}},
		{name: "CA file trusted", tls: TLS{CAFile: httpxtest.CAFile(t, srv)}, verified: true},
		{name: "insecure, with a WARN", tls: TLS{Insecure: true}, verified: true, warns: 1},
		{name: "CA file without a certificate", tls: TLS{CAFile: notPEM},
			newErr: func(err error) bool { return errors.Is(err, ErrNoCertificate) }},
		{name: "missing CA file", tls: TLS{CAFile: filepath.Join(t.TempDir(), "missing.pem")},
			newErr: func(err error) bool { return errors.Is(err, os.ErrNotExist) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := testkit.Logger()
			hc, err := NewClient(tt.tls, log)
			if tt.newErr != nil {
				if hc != nil || !tt.newErr(err) {
					t.Fatalf("NewClient = %v, %v", hc, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("verification disabled").Len(); n != tt.warns {
				t.Errorf("%d insecure warnings, want %d", n, tt.warns)
			}
			before := hits.Load()
			p := Poster{Client: hc, Timer: &httpxtest.Timer{}}
			_, err = p.Do(context.Background(), Request{Op: "callback", URL: srv.URL})
			if tt.verified {
				if err != nil || hits.Load() != before+1 {
					t.Fatalf("Do = %v, %d requests", err, hits.Load()-before)
				}
				return
			}
			// Refused at once and not retried, but not permanent either: a
			// CA file can be configured before a later try.
			var he *HTTPError
			var cv *tls.CertificateVerificationError
			if !errors.As(err, &he) || he.Attempts != 1 || !errors.As(err, &cv) || errors.Is(err, ErrPermanent) || he.Exhausted {
				t.Fatalf("error = %v, want a refused certificate after 1 attempt", err)
			}
			if hits.Load() != before {
				t.Error("a request reached the handler")
			}
		})
	}
}

func TestNewClientTransport(t *testing.T) {
	hc, err := NewClient(TLS{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", hc.Transport)
	}
	if tr == http.DefaultTransport {
		t.Error("the default transport is shared")
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 || tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("TLS config %+v", tr.TLSClientConfig)
	}
	if tr.Proxy == nil || reflect.ValueOf(tr.Proxy).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Error("the proxy does not come from the environment")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	resp, err := hc.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want the 302 itself", resp.StatusCode)
	}
}

func TestTokenProblem(t *testing.T) {
	for tok, want := range map[string]string{
		"":                   "",
		"abc-DEF_123.~+/= x": "",
		"a\nb":               "holds a control character, U+000A at byte 1",
		"a\rb":               "holds a control character, U+000D at byte 1",
		"a\x01b":             "holds a control character, U+0001 at byte 1",
		"a\x7fb":             "holds a control character, U+007F at byte 1",
		"a\tb":               "holds a control character, U+0009 at byte 1",
		"tökén":              "holds a character outside ASCII, U+00F6 at byte 1 (an HTTP header carries ASCII)",
		"\xff":               "holds a character outside ASCII, the byte 0xFF at byte 0, not UTF-8 (an HTTP header carries ASCII)",
		// What prints as nothing: a token file's byte order mark, a
		// zero-width space pasted with the token, a line separator.
		"\ufefftoken":  "holds a character outside ASCII, U+FEFF at byte 0 (an HTTP header carries ASCII)",
		"to\u200bken":  "holds a character outside ASCII, U+200B at byte 2 (an HTTP header carries ASCII)",
		"token\u2028x": "holds a character outside ASCII, U+2028 at byte 5 (an HTTP header carries ASCII)",
		"\uFFFDtoken":  "holds a character outside ASCII, U+FFFD at byte 0 (an HTTP header carries ASCII)",
	} {
		if got := TokenProblem(tok); got != want {
			t.Errorf("TokenProblem(%q) = %q, want %q", tok, got, want)
		}
	}
}

// StripCredentials drops what a URL's user information holds and masks
// query values and the fragment; MaskURL shows where the user information
// was, and masks the query and fragment alike.
func TestStripAndMaskURL(t *testing.T) {
	tests := []struct{ in, strip, mask string }{
		{"https://user:pw@host:8443/x?y=1", "https://host:8443/x?y=REDACTED", "https://REDACTED@host:8443/x?y=REDACTED"},
		{"https://user@host/", "https://host/", "https://REDACTED@host/"},
		{"http://127.0.0.1/?key=s3cr3t&x", "http://127.0.0.1/?key=REDACTED&REDACTED", "http://127.0.0.1/?key=REDACTED&REDACTED"},
		{"https://host/a%2Fb", "https://host/a%2Fb", "https://host/a%2Fb"}, // unchanged byte for byte
		{"http://u:pw@[::1", "http://REDACTED@[::1", "http://REDACTED@[::1"},
		{"http://u:pw@127.0.0.1/%zz", "http://REDACTED@127.0.0.1/%zz", "http://REDACTED@127.0.0.1/%zz"},
		{"http://[::1", "http://[::1", "http://[::1"},                                       // no '@': no credentials to hide
		{"127.0.0.1:18919", "127.0.0.1:18919", "127.0.0.1:18919"},                           // a URL without its scheme
		{"user:pw@127.0.0.1:18919", "REDACTED@127.0.0.1:18919", "REDACTED@127.0.0.1:18919"}, // scheme "user", opaque "pw@…"
		{"", "", ""},
		// A URL refused for its query or fragment is named without the
		// secrets they carry.
		{"http://bob:pw@127.0.0.1:9/x?token=QSECRET", "http://127.0.0.1:9/x?token=REDACTED", "http://REDACTED@127.0.0.1:9/x?token=REDACTED"},
		{"http://127.0.0.1:9/x?QSECRET", "http://127.0.0.1:9/x?REDACTED", "http://127.0.0.1:9/x?REDACTED"},
		{"http://127.0.0.1:9/x#access_token=QSECRET", "http://127.0.0.1:9/x#REDACTED", "http://127.0.0.1:9/x#REDACTED"},
		{"http://[::1/x?token=QSECRET", "(unparsable URL)", "(unparsable URL)"},
		// User information whose '/', '?' or '#' was not percent-encoded
		// parses as a port and a path, query or fragment holding an '@'.
		{"http://svc:1234/pw@127.0.0.1:9", "http://REDACTED@127.0.0.1:9", "http://REDACTED@127.0.0.1:9"},
		{"http://svc/u:pw@127.0.0.1:9", "http://REDACTED@127.0.0.1:9", "http://REDACTED@127.0.0.1:9"},
		{"http://svc:1234?pw@127.0.0.1:9", "(unparsable URL)", "(unparsable URL)"},
		{"http://svc:1234#pw@127.0.0.1:9", "(unparsable URL)", "(unparsable URL)"},
		{"http://u:p@host/a@b", "http://REDACTED@b", "http://REDACTED@b"}, // user information perhaps read short: masked up to the last @
		// A scheme mistyped: no host, the user information in the path or
		// in an opaque part, shown masked up to the '@' (a query or
		// fragment after it: unparsable).
		{"http//u:pw@127.0.0.1:1", "http//REDACTED@127.0.0.1:1", "http//REDACTED@127.0.0.1:1"},
		{"http:/u:pw@127.0.0.1:1", "http:/REDACTED@127.0.0.1:1", "http:/REDACTED@127.0.0.1:1"},
		{"http:///u:pw@127.0.0.1:1/x", "http:///REDACTED@127.0.0.1:1/x", "http:///REDACTED@127.0.0.1:1/x"},
		{"http:u:pw@127.0.0.1:1", "http:REDACTED@127.0.0.1:1", "http:REDACTED@127.0.0.1:1"},
		{"//u:pw@127.0.0.1:1", "//127.0.0.1:1", "//REDACTED@127.0.0.1:1"}, // no scheme, the user information read
		{"http//u:pw@127.0.0.1:1/?k=v", "(unparsable URL)", "(unparsable URL)"},
		{"http//127.0.0.1:1/a@b?k=v", "(unparsable URL)", "(unparsable URL)"},
		// A port that is not a number may be a password whose user name
		// lost its '@': not shown. A number is, a space after it too.
		{"http://u:S3cr3tPw", "http://u:REDACTED", "http://u:REDACTED"},
		{"http://u:S3cr3tPw/x", "http://u:REDACTED/x", "http://u:REDACTED/x"},
		{"http//u:S3cr3tPw", "http//u:REDACTED", "http//u:REDACTED"},
		{"u:S3cr3tPw", "u:REDACTED", "u:REDACTED"},
		{"http://me@corp:S3cr3tPw", "http://REDACTED@corp:REDACTED", "http://REDACTED@corp:REDACTED"},
		{"http://[::1]:8o", "http://[::1]:REDACTED", "http://[::1]:REDACTED"},
		{"http://[::1]:80", "http://[::1]:80", "http://[::1]:80"},
		{"http://[::1]/", "http://[::1]/", "http://[::1]/"},
		{"http://127.0.0.1:19614 ", "http://127.0.0.1:19614 ", "http://127.0.0.1:19614 "},
		{"http:host", "http:host", "http:host"},
		{"http://host:/x:y", "http://host:/x:y", "http://host:/x:y"},
	}
	for _, tt := range tests {
		if got := StripCredentials(tt.in); got != tt.strip {
			t.Errorf("StripCredentials(%q) = %q, want %q", tt.in, got, tt.strip)
		}
		if got := MaskURL(tt.in); got != tt.mask {
			t.Errorf("MaskURL(%q) = %q, want %q", tt.in, got, tt.mask)
		}
	}
}

// The query parameters a caller names stay shown; everything else is
// stripped or masked as without them.
func TestStripCredentialsShown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://u:p@127.0.0.1:9/s?key=K&page=2&query=apache+ip%3A1.2.3.4", "http://127.0.0.1:9/s?key=REDACTED&page=2&query=apache+ip%3A1.2.3.4"},
		{"http://127.0.0.1:9/s?query=a&query=b&x#f", "http://127.0.0.1:9/s?query=a&query=b&REDACTED#REDACTED"},
		{"http://127.0.0.1:9/s?queryx=K&Query=K", "http://127.0.0.1:9/s?queryx=REDACTED&Query=REDACTED"}, // the name as written
		{"http://svc:1234/pw@127.0.0.1:9/s?query=a", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := StripCredentials(tt.in, "query", "page"); got != tt.want {
			t.Errorf("StripCredentials(%q, query, page) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A server certificate the client refuses names the setting to fix, when
// the client has a hint, in the one error the request fails with; the
// request is still not retried.
func TestNewClientCertificateHint(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	for _, hint := range []string{"", CAFileHint} {
		hc, err := NewClient(TLS{Hint: hint}, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := Poster{Client: hc, Attempts: 3, Backoff: Exponential(time.Millisecond, 0)}
		_, err = p.Do(context.Background(), Request{Op: "callback", URL: srv.URL})
		var cv *tls.CertificateVerificationError
		var he *HTTPError
		if !errors.As(err, &cv) || !errors.As(err, &he) || he.Attempts != 1 {
			t.Fatalf("hint %q: %v, want a refused certificate after 1 attempt", hint, err)
		}
		var ce *CertificateError
		if named := strings.Contains(err.Error(), "--ca-file"); named != (hint != "") || errors.As(err, &ce) != (hint != "") {
			t.Errorf("hint %q: error %q", hint, err)
		}
	}
}
