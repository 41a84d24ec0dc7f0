package framework_test

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A setting is named by its key in any case and with any separator ('-',
// '_', '.', space), camelCase alike; another name names none.
func TestManifestSettingSpellings(t *testing.T) {
	m := framework.Manifest{Name: "probe", Settings: []framework.Setting{{Key: "endpoint_url"}, {Key: "api_key"}}}
	tests := []struct {
		name, want string // want "": no setting
	}{
		{"endpoint_url", "endpoint_url"},
		{"ENDPOINT_URL", "endpoint_url"},
		{"endpoint-url", "endpoint_url"},
		{"endpointUrl", "endpoint_url"},
		{"EndpointURL", "endpoint_url"},
		{"endpoint.url", "endpoint_url"},
		{"endpoint url", "endpoint_url"},
		{"api-key", "api_key"},
		{"apiKey", "api_key"},
		{"endpoint", ""},
		{"endpoint_urls", ""},
		{"endpoint/url", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := m.Setting(tt.name)
			if ok != (tt.want != "") || s.Key != tt.want {
				t.Errorf("Setting(%q) = %q, %v; want %q", tt.name, s.Key, ok, tt.want)
			}
		})
	}
}

// LibrarySecrets gives the values SecretEnv and ReadSecrets give, trimmed,
// of MinLibrarySecretLen characters or more: a shorter one (LocalStack's
// "test") is no secret worth redacting as a word from every log and output.
func TestLibrarySecretsFloor(t *testing.T) {
	const long = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" // 40, as an AWS secret key
	tests := []struct {
		name      string
		env, read string
		want      []string
	}{
		{"long from the environment and a file", long, " " + long + "-file ", []string{long, long + "-file"}},
		{"short ones", "test", "test", nil},
		{"one under the floor", "abcdefghijklmno", "abcdefghijklmnop", []string{"abcdefghijklmnop"}},
		{"characters, not bytes", "ééééééééééééééé", "éééééééééééééééé", []string{"éééééééééééééééé"}},
		{"blank", "   ", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noProxy(t)
			t.Setenv("INJECTKIT_TEST_LIBRARY_SECRET", tt.env)
			m := framework.Manifest{Name: "probe", SecretEnv: []string{"INJECTKIT_TEST_LIBRARY_SECRET"},
				ReadSecrets: func(map[string]string) []string { return []string{tt.read} }}
			if got := m.LibrarySecrets(nil); !slices.Equal(got, tt.want) {
				t.Errorf("LibrarySecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

// noProxy unsets the proxy variables of the test's environment, whose
// credentials LibrarySecrets gives too.
func noProxy(t *testing.T) {
	t.Helper()
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		t.Setenv(name, "")
	}
}

// LibrarySecrets gives the credentials of the proxy net/http reads from
// the environment whatever their length, before the others; a proxy
// without credentials gives none.
func TestLibrarySecretsProxy(t *testing.T) {
	tests := []struct {
		name, env, value string
		want             []string
	}{
		{"a short password", "HTTPS_PROXY", "http://alice:pw@proxy:3128", []string{"pw", "YWxpY2U6cHc="}},
		{"lower case, no scheme", "http_proxy", "alice:pw@proxy:3128", []string{"pw", "YWxpY2U6cHc="}},
		{"no credentials", "HTTPS_PROXY", "http://proxy:3128", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noProxy(t)
			t.Setenv(tt.env, tt.value)
			if got := (framework.Manifest{Name: "probe"}).LibrarySecrets(nil); !slices.Equal(got, tt.want) {
				t.Errorf("LibrarySecrets = %q, want %q", got, tt.want)
			}
		})
	}
}
