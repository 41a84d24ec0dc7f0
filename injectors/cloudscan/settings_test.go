package cloudscan

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
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

// profileEnv is endpointEnv(url) with the profile setting, profile.
func profileEnv(url, profile string) func(string) string {
	return func(k string) string {
		if k == "INJECTKIT_CLOUDSCAN_PROFILE" {
			return profile
		}
		return endpointEnv(url)(k)
	}
}

// runCLI runs `injectkit args…` with cloudscan registered (version
// 9.9.9, the tests' clock) and the environment getenv, and returns its
// exit code and what it wrote to stdout and stderr.
func runCLI(getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	reg := framework.NewRegistry()
	reg.Register("cloudscan", func() framework.Executor {
		return New(WithVersion("9.9.9"), withClock(func() time.Time { return testNow }))
	})
	var out, errs bytes.Buffer
	code = cli.Run(context.Background(), cli.Options{Registry: reg, Version: "9.9.9", Stdout: &out, Stderr: &errs, Getenv: getenv},
		append([]string{"injectkit"}, args...))
	return code, out.String(), errs.String()
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
		{"endpoint with credentials it cannot parse", map[string]string{SettingEndpointURL: "http://u:p4ss@[::1"}, hostSettings{}, "cloudscan.endpoint_url", "http://REDACTED@[::1"},
		{"endpoint with credentials and no scheme", map[string]string{SettingEndpointURL: "u:p4ss@127.0.0.1"}, hostSettings{}, "cloudscan.endpoint_url", "REDACTED@127.0.0.1"},
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
	for _, v := range []string{" ", "\t"} {
		code, _, stderr := runCLI(endpointEnv(v), "validate", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
			"--cloud-region", "eu-west-1", "--log-level", "error")
		want := "(env INJECTKIT_CLOUDSCAN_ENDPOINT_URL): must not be blank"
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("endpoint_url=%q: exit %d, want 2 with %q:\n%s", v, code, want, stderr)
		}
	}
}

// TestInjectCannotChooseEndpoint: where the host's credentials sign
// requests, and which of the host's profiles signs them, are the host's
// settings. An inject naming endpoint_url or profile, as a platform
// message's inject_content, an inject file's params or a --param, is
// refused before anything runs (exit 2; the message gets INVALID_USAGE),
// saying where the setting is given, and no request, signed or not,
// reaches the endpoint it named or any other.
func TestInjectCannotChooseEndpoint(t *testing.T) {
	const contract = "0c73a23a-fc35-5974-a199-f05f5bc5612a" // cloudscan's
	target := map[string]any{"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "eu-west-1"}
	tests := []struct {
		name string
		// build returns the arguments after "injectkit run" for an
		// inject that names evil (a URL) as its endpoint, or the profile
		// "scanner".
		build func(t *testing.T, evil string) []string
		want  []string // in stderr
		// message: a platform message, refused with INVALID_USAGE
		message bool
	}{
		{"platform message endpoint_url", func(t *testing.T, evil string) []string {
			msg := testkit.WriteJSON(t, "cs1.json", map[string]any{"injection": map[string]any{
				"inject_id":                "cs-1",
				"inject_injector_contract": map[string]any{"injector_contract_id": contract},
				"inject_content": map[string]any{"target_selector": "manual", "cloud_provider": "aws",
					"cloud_account_id": "123456789012", "cloud_region": "eu-west-1", "endpoint_url": evil}}})
			return []string{"--openaev-message", msg}
		}, []string{"invalid inject_content.endpoint_url: unknown parameter",
			"endpoint_url is a setting of cloudscan, which an inject cannot choose: give it on the injectkit host as env INJECTKIT_CLOUDSCAN_ENDPOINT_URL or cloudscan.endpoint_url in the config file"}, true},
		{"platform message profile", func(t *testing.T, evil string) []string {
			msg := testkit.WriteJSON(t, "cs1.json", map[string]any{"injection": map[string]any{
				"inject_id":                "cs-1",
				"inject_injector_contract": map[string]any{"injector_contract_id": contract},
				"inject_content": map[string]any{"target_selector": "manual", "cloud_provider": "aws",
					"cloud_account_id": "123456789012", "cloud_region": "eu-west-1", "profile": "scanner"}}})
			return []string{"--openaev-message", msg}
		}, []string{"invalid inject_content.profile: unknown parameter",
			"profile is a setting of cloudscan, which an inject cannot choose: give it on the injectkit host as env INJECTKIT_CLOUDSCAN_PROFILE or cloudscan.profile in the config file"}, true},
		{"inject file endpoint_url", func(t *testing.T, evil string) []string {
			file := testkit.WriteJSON(t, "inject.json", map[string]any{"inject_id": "cs-2",
				"targets": []map[string]any{target}, "params": map[string]any{"endpoint_url": evil}})
			return []string{"cloudscan", "--inject-file", file}
		}, []string{"invalid params.endpoint_url", "unknown parameter (known: access_key_max_age_days, call_timeout"}, false},
		{"--param endpoint_url", func(t *testing.T, evil string) []string {
			return []string{"cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1",
				"--param", "endpoint_url=" + evil}
		}, []string{"unknown parameter", "endpoint_url is a setting of cloudscan: give it as env INJECTKIT_CLOUDSCAN_ENDPOINT_URL or cloudscan.endpoint_url in the config file"}, false},
		{"--param profile", func(t *testing.T, evil string) []string {
			return []string{"cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1",
				"--param", "profile=scanner"}
		}, []string{"unknown parameter", "profile is a setting of cloudscan: give it as env INJECTKIT_CLOUDSCAN_PROFILE or cloudscan.profile in the config file"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			writeSharedFiles(t, "", "[scanner]\naws_access_key_id = AKIASCANNERPROFILE01\naws_secret_access_key = scanner-secret\n")
			evil := newStandIn(t, nil, fixtures()) // where the inject would have the requests go
			host := newStandIn(t, nil, fixtures()) // the host's own: nothing reaches AWS, whatever happens
			t.Setenv("AWS_ENDPOINT_URL", host.URL())
			args := append(append([]string{"run"}, tt.build(t, evil.URL()+"/cs-evil")...),
				"--outbox", "none", "--log-level", "error")
			code, stdout, stderr := runCLI(func(string) string { return "" }, args...)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, cli.ExitUsage, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			if tt.message && !strings.Contains(stdout, `"execution_status":"INVALID_USAGE"`) {
				t.Errorf("the platform is not told INVALID_USAGE:\n%s", stdout)
			}
			if got := evil.seen(); len(got) != 0 {
				t.Errorf("the inject's endpoint got %q", got)
			}
			if got := host.seen(); len(got) != 0 {
				t.Errorf("the inject ran: the host's endpoint got %q", got)
			}
		})
	}
}

// configureRefusal runs Configure of a new cloudscan on settings. A case
// that expects them taken (refused false) fails on any error and gets
// nil; one that expects a refusal fails unless it is a
// *signatures.ValidationError, which it gets for its own checks of the
// field, value and reason, with the whole error's text (where no secret
// may stand).
func configureRefusal(t *testing.T, settings map[string]string, refused bool) (*signatures.ValidationError, string) {
	t.Helper()
	err := New().Configure(settings)
	if !refused {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return nil, ""
	}
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a *signatures.ValidationError", err)
	}
	return ve, err.Error()
}
