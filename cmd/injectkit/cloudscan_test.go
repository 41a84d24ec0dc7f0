package main

import (
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
