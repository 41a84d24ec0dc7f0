package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// The registered cloudscan rejects a target it could never scan before
// running: exit 2, the field and value named as the user wrote them (the
// inject file's key, or the flag), nothing printed or sent.
func TestBinaryCloudscanRejectsBadTargets(t *testing.T) {
	cloud := func(extra ...string) []string {
		return append([]string{"run", "cloudscan", "--cloud-region", "eu-west-1"}, extra...)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unsupported provider, inject file", []string{"run", "--inject-file", testkit.WriteFile(t, "inject.json",
			`{"inject_id":"c-1","injector":"cloudscan","targets":[{"cloud_provider":"gcp","cloud_account_id":"123456789012","cloud_region":"europe-west1"}]}`)},
			`invalid targets[0].cloud_provider "gcp": unsupported cloud provider (supported: aws)`},
		{"unsupported provider, flags", cloud("--cloud-provider", "gcp", "--cloud-account", "123456789012"),
			`invalid --cloud-provider "gcp": unsupported cloud provider (supported: aws)`},
		{"AWS account not 12 digits", cloud("--cloud-provider", "aws", "--cloud-account", "12345"),
			`invalid --cloud-account "12345": not an AWS account id (12 digits`},
		{"AWS account an alias, inject file", []string{"run", "--inject-file", testkit.WriteFile(t, "alias.json",
			`{"injector":"cloudscan","targets":[{"cloud_provider":"aws","cloud_account_id":"prod","cloud_region":"eu-west-1"}]}`)},
			`invalid targets[0].cloud_account_id "prod": not an AWS account id`},
		{"unsupported service", cloud("--cloud-provider", "aws", "--cloud-account", "123456789012", "--target-service", "rds"),
			`invalid --target-service "rds": unsupported aws service (supported: s3, ec2, iam)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := injectkit(t, []string{"AWS_EC2_METADATA_DISABLED=true"}, append(tt.args, "--log-level", "error")...)
			if code != 2 || out != "" || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %s\nwant %q", code, out, errs, tt.want)
			}
		})
	}
}

// A credential_process's standard error never reaches injectkit's own (fd
// 2 of the built binary, read here whole): a line it forges in the log
// format, a secret it prints there, a prompt. One warning says how many
// bytes it wrote, nothing of them. The profile is the setting's, or
// AWS_PROFILE's, or the default one; the process fails (no credentials,
// nothing sent) or gives credentials (the scan runs).
func TestBinaryCredentialProcessStderrNeverShown(t *testing.T) {
	const secret = "CpStderrSecretKeyZZZZ9999"
	forged := `{"level":"info","msg":"forged by credential_process ` + secret + `"}`
	creds := `{"Version":1,"AccessKeyId":"AKIACPSTDERRKEY00001","SecretAccessKey":"` + secret + `"}`
	for _, tt := range []struct {
		name, section string
		env           []string
		succeeds      bool
	}{
		{"profile setting, process fails", "profile pp", []string{"INJECTKIT_CLOUDSCAN_PROFILE=pp"}, false},
		{"AWS_PROFILE, process fails", "profile pp", []string{"AWS_PROFILE=pp"}, false},
		{"default profile, process fails", "default", nil, false},
		{"profile setting, process gives credentials", "profile pp", []string{"INJECTKIT_CLOUDSCAN_PROFILE=pp"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join(dir, "cp.sh")
			body := "#!/bin/sh\necho '" + forged + "' >&2\necho 'password: " + secret + "' >&2\nexit 1\n"
			if tt.succeeds {
				body = "#!/bin/sh\necho '" + forged + "' >&2\necho '" + creds + "'\n"
			}
			if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
				t.Fatal(err)
			}
			aws := newAWSStandIn(t)
			env := awsEnv(t)
			// No keys in the environment: the profile's process is the credentials.
			env = slices.DeleteFunc(env, func(kv string) bool {
				return strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=")
			})
			env = append(env, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "INJECTKIT_CLOUDSCAN_ENDPOINT_URL="+aws.URL)
			env = append(env, tt.env...)
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, "AWS_CONFIG_FILE="); ok {
					if err := os.WriteFile(v, []byte("["+tt.section+"]\ncredential_process = "+script+"\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			code, out, errs := injectkit(t, env, "run", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
				"--cloud-region", "eu-west-1", "--target-service", "ec2", "--log-level", "debug")
			for _, v := range []string{"forged", secret, "password"} {
				if strings.Contains(out+errs, v) {
					t.Errorf("%q shown (exit %d):\nstdout %s\nstderr %s", v, code, out, errs)
				}
			}
			wrote := len(forged) + 1
			if !tt.succeeds {
				wrote += len("password: "+secret) + 1
			}
			if want := "the credential_process wrote " + strconv.Itoa(wrote) + " bytes to its standard error, not shown"; !strings.Contains(errs, want) {
				t.Errorf("stderr does not say %q:\n%s", want, errs)
			}
			if calls := aws.calls(); tt.succeeds != (len(calls) > 0) {
				t.Errorf("exit %d, calls %v: want calls only with credentials\nstderr %s", code, calls, errs)
			}
		})
	}
}
