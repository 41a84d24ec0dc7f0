package cloudscan

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// endpointEnv is an environment whose only variable is the endpoint_url
// setting, url.
func endpointEnv(url string) func(string) string {
	return func(k string) string {
		if k == "INJECTKIT_CLOUDSCAN_ENDPOINT_URL" {
			return url
		}
		return ""
	}
}

// TestConfigure: the settings are checked without the network; errors
// name cloudscan.<key> and never quote an endpoint's credentials. Left
// out or empty, a setting keeps its default.
func TestConfigure(t *testing.T) {
	tests := []struct {
		name      string
		settings  map[string]string
		want      hostSettings
		wantField string
		wantValue string
	}{
		{"none", nil, hostSettings{}, "", ""},
		{"empty", map[string]string{SettingEndpointURL: "", SettingProfile: ""}, hostSettings{}, "", ""},
		{"loopback endpoint", map[string]string{SettingEndpointURL: "http://127.0.0.1:9000"},
			hostSettings{endpointURL: "http://127.0.0.1:9000"}, "", ""},
		// Given blank, endpoint_url is no "AWS's own endpoints".
		{"blank endpoint", map[string]string{SettingEndpointURL: " "}, hostSettings{}, "cloudscan.endpoint_url", " "},
		{"tab endpoint", map[string]string{SettingEndpointURL: "\t"}, hostSettings{}, "cloudscan.endpoint_url", "\t"},
		{"endpoint scheme", map[string]string{SettingEndpointURL: "ftp://127.0.0.1"}, hostSettings{}, "cloudscan.endpoint_url", "ftp://127.0.0.1"},
		{"endpoint without host", map[string]string{SettingEndpointURL: "http://"}, hostSettings{}, "cloudscan.endpoint_url", "http://"},
		// The credentials refused are never quoted.
		{"endpoint with credentials", map[string]string{SettingEndpointURL: "http://u:p4ss@127.0.0.1"}, hostSettings{}, "cloudscan.endpoint_url", "http://REDACTED@127.0.0.1"},
		{"endpoint with credentials and a bad scheme", map[string]string{SettingEndpointURL: "ftp://u:p4ss@127.0.0.1"}, hostSettings{}, "cloudscan.endpoint_url", "ftp://REDACTED@127.0.0.1"},
		{"endpoint with credentials it cannot parse", map[string]string{SettingEndpointURL: "http://u:p4ss@[::1"}, hostSettings{}, "cloudscan.endpoint_url", "(unparsable URL)"},
		{"endpoint with credentials and no scheme", map[string]string{SettingEndpointURL: "u:p4ss@127.0.0.1"}, hostSettings{}, "cloudscan.endpoint_url", "(unparsable URL)"},
		{"endpoint with query", map[string]string{SettingEndpointURL: "http://127.0.0.1/?x=1"}, hostSettings{}, "cloudscan.endpoint_url", "http://127.0.0.1/?x=REDACTED"},
		{"blank profile", map[string]string{SettingProfile: " "}, hostSettings{}, "cloudscan.profile", " "},
		{"profile with space", map[string]string{SettingProfile: "a b"}, hostSettings{}, "cloudscan.profile", "a b"},
		{"profile with a control character", map[string]string{SettingProfile: "a\x7f"}, hostSettings{}, "cloudscan.profile", "a\x7f"},
		{"unknown key", map[string]string{"region": "eu-west-1"}, hostSettings{}, "cloudscan.region", ""},
	}
	setAWSEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			err := e.Configure(tt.settings)
			ve := frameworktest.WantInvalid(t, err, tt.wantField)
			if ve == nil {
				if e.settings != tt.want {
					t.Errorf("settings %+v, want %+v", e.settings, tt.want)
				}
				return
			}
			if ve.Value != tt.wantValue {
				t.Errorf("err = %v, want the value %q", err, tt.wantValue)
			}
			if strings.Contains(err.Error(), "p4ss") {
				t.Errorf("err = %v quotes the credentials", err)
			}
		})
	}
}

// TestCLIBlankEndpointRefused: the endpoint_url setting given blank exits
// 2 naming the setting and where it was given, before anything is sent;
// it never means AWS's own endpoints. Only `validate` runs: a regression
// must not reach AWS.
func TestCLIBlankEndpointRefused(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("cloudscan", func() framework.Executor { return New() })
	for _, v := range []string{" ", "\t"} {
		var stdout, stderr bytes.Buffer
		code := cli.Run(context.Background(), cli.Options{Registry: reg, Stdout: &stdout, Stderr: &stderr,
			Getenv: endpointEnv(v)},
			[]string{"injectkit", "validate", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
				"--cloud-region", "eu-west-1", "--log-level", "error"})
		want := "(env INJECTKIT_CLOUDSCAN_ENDPOINT_URL): must not be blank"
		if code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("endpoint_url=%q: exit %d, want 2 with %q:\n%s", v, code, want, stderr.String())
		}
	}
}
