package testkit

import (
	"net/http/httputil"
	"net/url"
	"testing"
)

// ReverseProxy returns a reverse proxy to target, a test server's URL: the
// front of a test that passes some requests on and cuts, holds or alters
// others. It fails t when target is no URL.
func ReverseProxy(t testing.TB, target string) *httputil.ReverseProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("proxy target: %v", err)
	}
	return httputil.NewSingleHostReverseProxy(u)
}
