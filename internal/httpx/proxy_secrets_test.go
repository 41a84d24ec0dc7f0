package httpx_test

import (
	"encoding/base64"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// ProxySecrets gives the credentials of the proxy variables net/http
// reads, as it reads them: of each pair the upper-case one when set, the
// lower-case one alone too, a value without a scheme read with "http://"
// before it, a user without a password as the secret; a proxy without
// credentials and NO_PROXY give none.
func TestProxySecrets(t *testing.T) {
	basic := func(userpass string) string { return base64.StdEncoding.EncodeToString([]byte(userpass)) }
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"none set", nil, nil},
		{"no credentials", map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128", "http_proxy": "proxy.corp:3128"}, nil},
		{"NO_PROXY is not read", map[string]string{"NO_PROXY": "alice:pw@internal,localhost", "no_proxy": "*"}, nil},
		{"upper case", map[string]string{"HTTPS_PROXY": "http://alice:S3cret@proxy:3128"}, []string{"S3cret", basic("alice:S3cret")}},
		{"lower case alone", map[string]string{"https_proxy": "http://alice:S3cret@proxy:3128"}, []string{"S3cret", basic("alice:S3cret")}},
		{"upper case read first, as net/http does", map[string]string{"HTTPS_PROXY": "http://alice:Upper1@proxy:3128",
			"https_proxy": "http://bob:lower2@proxy:3128"}, []string{"Upper1", basic("alice:Upper1")}},
		{"no scheme", map[string]string{"HTTP_PROXY": "alice:Pr%2Fxy@proxy:3128"}, []string{"Pr/xy", basic("alice:Pr/xy")}},
		{"a user alone", map[string]string{"http_proxy": "http://tok3n@proxy:3128"}, []string{"tok3n", basic("tok3n:")}},
		{"both pairs", map[string]string{"HTTPS_PROXY": "http://a:one111@p:1", "HTTP_PROXY": "http://b:two222@p:2"},
			[]string{"one111", basic("a:one111"), "two222", basic("b:two222")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := httpx.ProxySecrets(func(k string) string { return tt.env[k] })
			if !slices.Equal(got, tt.want) {
				t.Errorf("ProxySecrets = %q, want %q", got, tt.want)
			}
		})
	}
}
