package cloudscan

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzEndpointReason: an AWS endpoint URL (AWS_ENDPOINT_URL and its
// per-service forms, endpoint_url of the shared config file) is taken
// only when the requests the SDK signs with the host's credentials stay
// on this machine or go over TLS: read apart with net/url, as the SDK
// reads it, an endpoint endpointReason accepts is https://, or http:// to
// localhost or a loopback address, and holds no user info; a refusal
// never shows the URL's password.
func FuzzEndpointReason(f *testing.F) {
	for _, s := range []string{
		"https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:4566", "http://[::1]:9000/", "http://localhost:4566",
		"http://s3.localhost:4566", "http://localhost.:4566", "http://10.0.0.1", "HTTP://LOCALHOST", "http://127.0.0.1.nip.io",
		"https://user:s3cr3tPassw0rd@example.com", "http://[::ffff:127.0.0.1]:80", "http://0x7f.1", "http://2130706433",
		"http://127.1", "http://[fe80::1%25lo]:80", " https://example.com", "http:///path", "ftp://127.0.0.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		reason := endpointReason(raw)
		u, err := url.Parse(raw)
		if reason != "" {
			if err == nil && u.User != nil {
				if p, ok := u.User.Password(); ok && len(p) >= 6 && strings.Contains(reason, p) {
					t.Fatalf("endpointReason(%q) = %q shows the password", raw, reason)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("endpointReason(%q) accepts what net/url refuses: %v", raw, err)
		}
		if u.User != nil {
			t.Fatalf("endpointReason(%q) accepts user info %q", raw, u.User)
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
		case "http":
			host := u.Hostname()
			if strings.EqualFold(host, "localhost") {
				return
			}
			a, err := netip.ParseAddr(host)
			if err != nil || !a.Unmap().IsLoopback() {
				t.Fatalf("endpointReason(%q) accepts plain http:// to %q, not this machine's loopback", raw, host)
			}
		default:
			t.Fatalf("endpointReason(%q) accepts scheme %q", raw, u.Scheme)
		}
	})
}
