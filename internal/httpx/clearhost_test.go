package httpx_test

import (
	"net/url"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// TestClearToOtherHost: only localhost itself and loopback addresses keep
// a plain http:// request on this machine. A name under .localhost (or
// localhost. with its final dot) is asked of the DNS server and proxied by
// HTTP_PROXY, so a token sent to it in clear leaves the machine.
func TestClearToOtherHost(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"http://localhost:8080/", false},
		{"http://LOCALHOST:8080/", false},
		{"http://127.0.0.1:8080/", false},
		{"http://127.3.4.5/", false},
		{"http://[::1]:8080/", false},
		{"http://[::ffff:127.0.0.1]:8080/", false},
		{"https://openaev.example.com/", false},
		{"https://aws.localhost/", false},
		{"http://aws.localhost:4566/", true},
		{"http://localhost.:8080/", true},
		{"http://x.localhost./", true},
		{"http://openaev.example.com/", true},
		{"http://10.0.0.1/", true},
		{"http://[::2]/", true},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := httpx.ClearToOtherHost(u); got != tc.want {
			t.Errorf("ClearToOtherHost(%s) = %v, want %v", tc.url, got, tc.want)
		}
	}
}
