//go:build linux

package cloudscan

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestCredentialProcessEnvironment: the profile's credential_process runs
// with the environment an AWS helper needs (the AWS_* variables, the
// user's proxy, PATH), and none of what injectkit holds besides: the
// backend token, every injector's Secret setting (the query injector's
// Shodan key, a third-party injector's of any name) and injectkit's other
// variables. What the helper sees is what it writes to a file.
func TestCredentialProcessEnvironment(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "env")
	creds := `{"Version":1,"AccessKeyId":"` + procKeyID + `","SecretAccessKey":"` + procSecret + `"}`
	e, p, _ := helperExecutor(t, "env > '"+envFile+"'\necho '"+creds+"'\n", "30s")
	t.Setenv("INJECTKIT_TOKEN", "tokAlpha-7Q9zR2xW")
	t.Setenv("INJECTKIT_SHODAN_API_KEY", "shKeyBravo82xyQ")
	t.Setenv("INJECTKIT_LOG_LEVEL", "debug")
	t.Setenv("ACME_API_KEY", "acmeKey-55Qq")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("NO_PROXY", "127.0.0.1,localhost")
	in := newInject(t, []signatures.CloudConfig{euWest1}, p)
	in.SecretEnv = []string{"ACME_API_KEY", "AWS_SESSION_TOKEN", "INJECTKIT_SHODAN_API_KEY", "INJECTKIT_TOKEN"}
	if out := e.Execute(context.Background(), in); out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s (%+v), want success with the process's credentials", out.ExecutionStatus(), out.ErrorInfo)
	}
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	seen := strings.Split(string(b), "\n")
	for _, name := range []string{"INJECTKIT_TOKEN", "INJECTKIT_SHODAN_API_KEY", "INJECTKIT_LOG_LEVEL", "ACME_API_KEY"} {
		if slices.ContainsFunc(seen, func(kv string) bool { return strings.HasPrefix(kv, name+"=") }) {
			t.Errorf("the credential_process inherited %s", name)
		}
	}
	for _, kv := range []string{"AWS_REGION=eu-west-1", "NO_PROXY=127.0.0.1,localhost", "AWS_CONFIG_FILE=" + os.Getenv("AWS_CONFIG_FILE")} {
		if !slices.Contains(seen, kv) {
			t.Errorf("the credential_process was not given %s", kv)
		}
	}
}

// processEnv keeps AWS's own variables even when the inject names them
// secrets, and takes out every INJECTKIT_* variable and every other one
// it names; never nil.
func TestProcessEnv(t *testing.T) {
	tests := []struct {
		name               string
		environ, secretEnv []string
		want               []string
	}{
		{"empty", nil, nil, []string{}},
		{"injectkit's own", []string{"INJECTKIT_TOKEN=t", "INJECTKIT_OUTBOX=/o", "PATH=/bin"}, nil, []string{"PATH=/bin"}},
		{"another injector's secret", []string{"ACME_API_KEY=k", "ACME_ENDPOINT=e"}, []string{"ACME_API_KEY"}, []string{"ACME_ENDPOINT=e"}},
		{"AWS's own kept", []string{"AWS_SESSION_TOKEN=s", "AWS_PROFILE=p"}, []string{"AWS_SESSION_TOKEN"}, []string{"AWS_SESSION_TOKEN=s", "AWS_PROFILE=p"}},
		{"proxy kept", []string{"HTTPS_PROXY=http://u:p@127.0.0.1:3128"}, nil, []string{"HTTPS_PROXY=http://u:p@127.0.0.1:3128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := processEnv(tt.environ, tt.secretEnv)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("processEnv(%q, %q) = %#v, want %q", tt.environ, tt.secretEnv, got, tt.want)
			}
		})
	}
}
