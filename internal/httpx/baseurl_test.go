package httpx_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		raw, want string // want: "" accepts, else a piece of the reason
	}{
		{"http://127.0.0.1:8080", ""},
		{"https://platform.example/prefix/", ""},
		{"http://[::1]:8080", ""},
		{"http://[fe80::1%25eth0]:80/x", ""},
		{"HTTP://BACKEND/a%2Fb", "the path holds %2F at byte 2, an encoded '/'"},
		// A path as net/url would send it other than written, or as the
		// server would resolve or refuse it (pathProblem); legal ones kept.
		{"http://127.0.0.1/a b", `the path holds ' ' at byte 2, which a URL does not hold unescaped: it would be sent as %20`},
		{"http://127.0.0.1/aev%20x/", ""},
		{"http://127.0.0.1/a\\b", `'\\' at byte 2`},
		{"http://127.0.0.1/a|b", "%7C"},
		{"http://127.0.0.1/a\"b", "%22"},
		{"http://127.0.0.1/{a}", "%7B"},
		{"http://127.0.0.1/a<b>", "%3C"},
		{"http://127.0.0.1/a^b", "%5E"},
		{"http://127.0.0.1/a`b", "%60"},
		{"http://127.0.0.1/a%5cb", "an encoded '\\\\'"},
		{"http://127.0.0.1/a/../b", `the dot segment ".." (segment 2)`},
		{"http://127.0.0.1/./a", `the dot segment "." (segment 1)`},
		{"http://127.0.0.1/a/..", `the dot segment ".."`},
		{"http://127.0.0.1//", "an empty segment (// at segment 1)"},
		{"http://127.0.0.1/a//b/", "an empty segment (// at segment 2)"},
		{"http://127.0.0.1/a/", ""},
		{"http://127.0.0.1/a;b/a%25b/%C3%BC/ü/.a/a./...", ""},
		{"https://user:pw@127.0.0.1/a b", "' ' at byte 2"},
		{"ftp://127.0.0.1/", "scheme must be http or https"},
		{"http://127.0.0.1:8080/\xff", "not valid UTF-8"},
		{"http://u:p\xffsecret@127.0.0.1/", "not valid UTF-8"},
		{"http://127.0.0.1/%FF", ""},
		{"127.0.0.1:8080", "not a URL: no scheme (want http:// or https:// first)"},
		{"//127.0.0.1:8080/x", "scheme must be http or https"},
		{"http:///x", "no host"},
		{"http://:8080", "no host"},
		{"http://127.0.0.1/?a=b", "query or fragment"},
		{"http://127.0.0.1/?", "query or fragment"},
		{"http://127.0.0.1/#top", "query or fragment"},
		{"https://user:pw@127.0.0.1/", ""},
		// User information that, percent-decoded, would go garbled in the
		// Basic Authorization header (userinfoProblem); one outside ASCII
		// that prints goes.
		{"https://user:%E2%80%8Bpw@127.0.0.1/", "the password, percent-decoded, holds the non-printable character U+200B at byte 0"},
		{"https://%EF%BB%BFuser:pw@127.0.0.1/", "the user name, percent-decoded, holds the non-printable character U+FEFF at byte 0"},
		{"https://%E2%80%8Btoken@127.0.0.1/", "the user name, percent-decoded, holds the non-printable character U+200B"},
		{"https://user:pw%0D@127.0.0.1/", "U+000D at byte 2"},
		{"https://user:pw%E2%80%A8@127.0.0.1/", "U+2028 at byte 2"},
		{"https://user:pw%FF@127.0.0.1/", "the password, percent-decoded, holds the byte 0xFF at byte 2, not UTF-8"},
		{"https://us%C3%A9r:p%C3%A4ss%C2%A0@127.0.0.1/", ""},
		{"http://127.0.0.1:99999", `invalid port "99999"`},
		{"http://127.0.0.1:0/x", `invalid port "0"`},
		{"http://127.0.0.1:", "empty port"},
		{"http://[zz]:80", "not a URL"},
		{"http://[::1", "not a URL"},
		{"http://u:secret@127.0.0.1:abc", "not a URL: invalid port after the host's ':'"},
		{"http://127.0.0.1:nan", "not a URL: invalid port after the host's ':', not a number"},
		{"http://127.0.0.1:nan/x?token=secret#secret", "not a URL: invalid port after the host's ':', not a number"},
		{"http://u:secret", "not a URL: invalid port after the host's ':', not a number"},
		// A password holding '/', '?' or '#' as it is: url.Parse stops
		// in it and its error quotes what it stopped at.
		{"http://svc:Zx9secret/abc@127.0.0.1:18601", "not a URL: invalid port after the host's ':', not a number (in a user name or password, write / ? #"},
		{"http://svc:Zx9secret?abc@127.0.0.1:18601", "not a URL: invalid port after the host's ':'"},
		{"http://svc:Zx9secret#abc@127.0.0.1:18601", "not a URL"},
		{"http://svc:se%zzcret@127.0.0.1:1", "not a URL: a '%' not followed by two hexadecimal digits"},
		{"http://svc:se cret@127.0.0.1:1", "not a URL: a character a user name or password cannot hold"},
		{"http://se\x01cret@127.0.0.1:1", "not a URL: holds a control character"},
		// ... or parses with the rest of the password in the path, or a
		// user name with '/' leaves its password there.
		{"http://svc:1234/secret@127.0.0.1:18601", "'@' after the host (in a user name or password"},
		{"http://svc/pw:secret@127.0.0.1:18601", "'@' after the host"},
		{"http://svc:1234?secret@127.0.0.1:18601", "must not have a query or fragment (in a user name"},
		{"http://127.0.0.1/a%40b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := httpx.ParseBaseURL(tt.raw)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "" && u == nil:
				t.Fatal("accepted without a URL")
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			case err != nil && (strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "secret") ||
				strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "zz")):
				t.Fatalf("err = %v shows the password", err)
			}
		})
	}
}

// FuzzParseBaseURL: whatever a flag or a file holds, ParseBaseURL does not
// panic, never shows the URL in its error, and accepts only what a client
// may post to: http or https, a host, no query or fragment.
func FuzzParseBaseURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/x", "https://u:p@h/", "http://[::1]:0", "ftp://h", "http://h/?q#f", "",
		"http://h/a b", "http://h/a%2fb", "http://h/a/./b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := httpx.ParseBaseURL(raw)
		if err != nil {
			if raw != "" && len(raw) > 8 && strings.Contains(err.Error(), raw) {
				t.Fatalf("error %q repeats the URL", err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
			t.Fatalf("accepted %q: %#v", raw, u)
		}
		// The path is sent as written, but for an IRI's characters
		// (RFC 3987), percent-encoded, and none resolves away.
		written := raw[strings.Index(raw, "://")+3:]
		if i := strings.IndexByte(written, '/'); i >= 0 {
			written = written[i:]
		} else {
			written = ""
		}
		var ascii strings.Builder
		for _, b := range []byte(written) {
			if b >= 0x80 {
				fmt.Fprintf(&ascii, "%%%02X", b)
			} else {
				ascii.WriteByte(b)
			}
		}
		if sent := u.EscapedPath(); sent != ascii.String() && !strings.EqualFold(sent, ascii.String()) {
			t.Fatalf("accepted %q, whose path is sent as %q", raw, sent)
		}
		if strings.Contains(written+"/", "/./") || strings.Contains(written+"/", "/../") || strings.Contains(strings.TrimSuffix(written, "/"), "//") {
			t.Fatalf("accepted %q, whose path resolves away", raw)
		}
	})
}

// A refused URL's reason never quotes its query, even one that holds the
// words of the reason itself.
func TestParseBaseURLQuotesNothingOfTheQuery(t *testing.T) {
	for _, raw := range []string{
		"http://h:1x/?token=invalid portSECRET",
		"http://h:1x/#invalid portSECRET",
		"http://h:1x/?x=control characterSECRET",
	} {
		_, err := httpx.ParseBaseURL(raw)
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%q: err = %v, want a refusal quoting nothing of the query", raw, err)
		}
	}
}
