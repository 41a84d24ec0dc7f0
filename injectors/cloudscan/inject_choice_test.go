package cloudscan

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
)

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
			reg := framework.NewRegistry()
			reg.Register("cloudscan", func() framework.Executor { return New(WithVersion("9.9.9")) })
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"injectkit", "run"}, tt.build(t, evil.URL()+"/cs-evil")...),
				"--outbox", "none", "--log-level", "error")
			code := cli.Run(context.Background(), cli.Options{Registry: reg, Version: "9.9.9", Stdout: &stdout, Stderr: &stderr,
				Getenv: func(string) string { return "" }}, args)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, cli.ExitUsage, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
			if tt.message && !strings.Contains(stdout.String(), `"execution_status":"INVALID_USAGE"`) {
				t.Errorf("the platform is not told INVALID_USAGE:\n%s", stdout.String())
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
