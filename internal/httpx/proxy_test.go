package httpx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// A proxy variable whose value is not the URL of a proxy net/http can
// dial, as net/http reads it, is refused naming the variable, its user
// information masked; one net/http dials as the user wrote it is not.
func TestCheckProxyEnv(t *testing.T) {
	const pw = "S3cr3tProxy96"
	tests := []struct {
		name     string
		env      map[string]string
		wantName string // "" for no error
		wantShow string
		reason   string
	}{
		{"none", nil, "", "", ""},
		{"a proxy URL", map[string]string{"HTTPS_PROXY": "http://u:p@127.0.0.1:3128"}, "", "", ""},
		{"host and port only", map[string]string{"HTTP_PROXY": "127.0.0.1:3128"}, "", "", ""},
		{"a name and port only", map[string]string{"HTTP_PROXY": "proxy:3128"}, "", "", ""},
		{"user information and no scheme", map[string]string{"HTTP_PROXY": "u:" + pw + "@proxy:3128"}, "", "", ""},
		{"https", map[string]string{"HTTP_PROXY": "https://[::1]:3128/"}, "", "", ""},
		{"socks5", map[string]string{"HTTPS_PROXY": "socks5://127.0.0.1:1080"}, "", "", ""},
		{"socks5h", map[string]string{"HTTPS_PROXY": "socks5h://127.0.0.1"}, "", "", ""},
		{"bad escape in the password", map[string]string{"HTTPS_PROXY": "http://u:Proxy%zz" + pw + "@127.0.0.1:47309"},
			"HTTPS_PROXY", "http://REDACTED@127.0.0.1:47309", "ignored and every request sent direct"},
		{"lower case", map[string]string{"https_proxy": "http://u:Proxy%zz" + pw + "@127.0.0.1:47309"},
			"https_proxy", "http://REDACTED@127.0.0.1:47309", "ignored"},
		{"upper case wins", map[string]string{"HTTPS_PROXY": "http://127.0.0.1:1", "https_proxy": "http://u:%zz@h"}, "", "", ""},
		{"http proxy", map[string]string{"HTTP_PROXY": "http://u:Proxy%zz" + pw + "@127.0.0.1:47309"},
			"HTTP_PROXY", "http://REDACTED@127.0.0.1:47309", "ignored"},
		{"bad escape in the host", map[string]string{"HTTPS_PROXY": "http://127.0.0.1%zz:1"}, "HTTPS_PROXY", "http://127.0.0.1%zz:1", "ignored"},
		// net/http reads each of these again with http:// before it, its
		// host then "http": every request would go there.
		{"trailing space", map[string]string{"HTTP_PROXY": "http://127.0.0.1:19614 "}, "HTTP_PROXY", "http://127.0.0.1:19614 ",
			"taking its scheme for the proxy's host name"},
		{"port a word", map[string]string{"HTTP_PROXY": "http://proxy:port"}, "HTTP_PROXY", "http://proxy:REDACTED",
			"invalid port after the host's ':', not a number; net/http would read it with http:// before it"},
		// A password whose user name lost its '@' reads as the port: not
		// shown.
		{"password for a port", map[string]string{"HTTPS_PROXY": "http://u:" + pw}, "HTTPS_PROXY", "http://u:REDACTED",
			"not a number"},
		{"a word after the port", map[string]string{"HTTPS_PROXY": "http://u:" + pw + "@127.0.0.1:19614 x"}, "HTTPS_PROXY", "(unparsable URL)",
			"taking its scheme for the proxy's host name"},
		{"bracket not closed", map[string]string{"HTTPS_PROXY": "http://u:" + pw + "@[::1"}, "HTTPS_PROXY", "http://REDACTED@[::1",
			"an IPv6 address in brackets is malformed"},
		{"user only, bad port", map[string]string{"HTTPS_PROXY": "http://" + pw + "@proxy:%zz"}, "HTTPS_PROXY", "http://REDACTED@proxy:REDACTED",
			"ignored"},
		// User information with a '/', '?' or '#' as it is: net/http
		// dials the user name ("alice", port 1234) and sends the token
		// there.
		{"'/' in the password", map[string]string{"HTTPS_PROXY": "http://alice:1234/" + pw + "@proxy.corp.example:3128"},
			"HTTPS_PROXY", "http://REDACTED@proxy.corp.example:3128", "'@' after the host (in a user name or password, write /"},
		{"'/' in the password, no scheme", map[string]string{"HTTP_PROXY": "alice:1234/" + pw + "@proxy:3128"},
			"HTTP_PROXY", "REDACTED@proxy:3128", "to a host taken from it"},
		{"'?' in the password", map[string]string{"HTTPS_PROXY": "http://alice:12?" + pw + "@proxy:3128"},
			"HTTPS_PROXY", "(unparsable URL)", "'@' after the host"},
		{"'@' in the user name, '/' in the password", map[string]string{"HTTPS_PROXY": "http://alice@corp:12/" + pw + "@proxy:3128"},
			"HTTPS_PROXY", "http://REDACTED@proxy:3128", "'@' after the host"},
		// What net/http parses as it is, but cannot dial.
		{"scheme", map[string]string{"HTTPS_PROXY": "ftp://u:" + pw + "@proxy:21"}, "HTTPS_PROXY", "ftp://REDACTED@proxy:21",
			"scheme must be http, https, socks5 or socks5h"},
		{"port out of range", map[string]string{"HTTPS_PROXY": "http://proxy:65536"}, "HTTPS_PROXY", "http://proxy:65536",
			`invalid port "65536": want a number from 1 to 65535`},
		{"port zero", map[string]string{"HTTPS_PROXY": "http://proxy:0"}, "HTTPS_PROXY", "http://proxy:0", `invalid port "0"`},
		{"empty port", map[string]string{"HTTPS_PROXY": "http://proxy:"}, "HTTPS_PROXY", "http://proxy:", "empty port"},
		{"no host", map[string]string{"HTTPS_PROXY": "//proxy:3128"}, "HTTPS_PROXY", "//proxy:3128", "no host"},
		{"no scheme, port a word", map[string]string{"HTTPS_PROXY": "proxy:port"}, "HTTPS_PROXY", "proxy:REDACTED", "not a URL"},
		{"no scheme, password for a port", map[string]string{"HTTPS_PROXY": "u:" + pw}, "HTTPS_PROXY", "u:REDACTED", "not a URL"},
		// Credentials that, percent-decoded, hold a character that
		// prints as nothing: the proxy would refuse them as they read.
		{"a zero-width space in the password", map[string]string{"HTTPS_PROXY": "http://u:%E2%80%8B" + pw + "@127.0.0.1:3128"},
			"HTTPS_PROXY", "http://REDACTED@127.0.0.1:3128",
			"the password, percent-decoded, holds the non-printable character U+200B at byte 0"},
		{"a byte order mark, no scheme", map[string]string{"HTTP_PROXY": "%EF%BB%BF" + pw + ":x@proxy:3128"},
			"HTTP_PROXY", "REDACTED@proxy:3128", "the user name, percent-decoded, holds the non-printable character U+FEFF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := httpx.CheckProxyEnv(func(k string) string { return tt.env[k] })
			var pe *httpx.ProxyEnvError
			if tt.wantName == "" {
				if err != nil {
					t.Fatalf("CheckProxyEnv = %v, want nil", err)
				}
				return
			}
			if !errors.As(err, &pe) || pe.Name != tt.wantName || pe.Value != tt.wantShow || !strings.Contains(pe.Reason, tt.reason) {
				t.Fatalf("CheckProxyEnv = %#v, want %s shown as %q, saying %q", err, tt.wantName, tt.wantShow, tt.reason)
			}
			if msg := err.Error(); strings.Contains(msg, "S3cr3t") || strings.Contains(msg, "Proxy%zz") || strings.Contains(msg, "alice") ||
				httpx.Redact(msg, pw) != msg || !strings.Contains(msg, "(env "+tt.wantName+")") {
				t.Errorf("error %q: shows the password or does not name %s", err, tt.wantName)
			}
		})
	}
}
