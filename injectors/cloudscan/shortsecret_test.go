package cloudscan

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// TestCLIShortSecretIsNoRedactionWord: a secret access key shorter than
// framework.MinLibrarySecretLen (LocalStack's "test") is not redacted as a
// word from the run's logs and output, where a bucket test-data stays so;
// one as long is redacted wherever it shows (a bucket named so).
func TestCLIShortSecretIsNoRedactionWord(t *testing.T) {
	for _, tt := range []struct {
		name, secret string
		redacted     bool
	}{
		{"LocalStack's test", "test", false},
		{"one under the floor", "test-data-acct1", false},
		{"at the floor", "test-data-acct12", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			st := newStandIn(t, []string{"test-data", tt.secret}, fixtures())
			inject := map[string]any{
				"inject_id":         "cloud-1",
				"expectation_types": []string{"DETECTION"},
				"targets": []map[string]any{{"cloud_provider": "aws", "cloud_account_id": "123456789012",
					"cloud_region": "eu-west-1", "target_service": "s3", "asset": "acct-eu"}},
				"params": map[string]any{"retry_max_backoff": "5ms"},
			}
			file := testkit.WriteJSON(t, "inject.json", inject)
			code, stdout, stderr := runCLI(endpointEnv(st.URL()), "run", "cloudscan", "--inject-file", file,
				"--output", "text", "--log-level", "debug")
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			all := stdout + stderr
			if !strings.Contains(stdout, "test-data") {
				t.Errorf("the summary does not name bucket test-data:\n%s", stdout)
			}
			if got := strings.Contains(all, "[REDACTED]"); got != tt.redacted {
				t.Errorf("redacted %v, want %v:\n%s", got, tt.redacted, all)
			}
			if tt.redacted && strings.Contains(all, tt.secret) {
				t.Errorf("the secret %q shows:\n%s", tt.secret, all)
			}
		})
	}
}
