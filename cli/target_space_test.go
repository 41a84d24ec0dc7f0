package cli_test

import (
	"strings"
	"testing"
)

// White space around a target is dropped in every intake, as a targets
// file's line is trimmed: --target ' 127.0.0.1 ', the environment's list
// and an inject file's {"value":" 127.0.0.1 "} send the same signatures.
// A cloud provider and account, their flags (as every setting's value,
// TestSettingValuesReadAlike) and the inject file's alike, are read
// without the white space around them; white space inside is refused.
func TestTargetWhiteSpaceOneRule(t *testing.T) {
	file := func(target string) string {
		return writeFile(t, "inject.json", `{"injector":"noop","targets":[`+target+`]}`)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stdout (exit 0) or stderr
	}{
		{"--target", nil, []string{"run", "noop", "--target", " 127.0.0.1 "}, 0, `"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"INJECTKIT_TARGET", map[string]string{"INJECTKIT_TARGET": " 127.0.0.1 "}, []string{"run", "noop"}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"targets file", nil, []string{"run", "noop", "--targets-file", writeFile(t, "hosts.txt", " 127.0.0.1 \n")}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"inject file value", nil, []string{"run", "--inject-file", file(`{"value":" 127.0.0.1 "}`)}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"inject file target_ipv4", nil, []string{"run", "--inject-file", file(`{"target_ipv4":"\t127.0.0.1 "}`)}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"--cloud-provider", nil, []string{"validate", "noop", "--cloud-provider", " aws ", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}, 0,
			`valid: noop on 1 cloud target`},
		{"--cloud-provider, white space inside", nil, []string{"validate", "noop", "--cloud-provider", "a ws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}, 2,
			`invalid --cloud-provider "a ws": must not hold white space`},
		{"--cloud-account", nil, []string{"run", "noop", "--cloud-provider", "aws", "--cloud-account", " 123456789012", "--cloud-region", "eu-west-1"}, 0,
			`"signature_type":"cloud_account_id","signature_value":"123456789012"`},
		{"inject file cloud_provider and cloud_account_id", nil, []string{"run", "--inject-file",
			file(`{"cloud_provider":" aws ","cloud_account_id":"123456789012 ","cloud_region":"eu-west-1"}`)}, 0,
			`"signature_type":"cloud_account_id","signature_value":"123456789012"`},
		{"inject file cloud_provider, white space inside", nil, []string{"validate", "--inject-file",
			file(`{"cloud_provider":"a ws","cloud_account_id":"123456789012","cloud_region":"eu-west-1"}`)}, 2,
			`invalid targets[0].cloud_provider "a ws": must not hold white space`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append(tt.args, "--log-level", "error")...)
			out := r.stdout
			if tt.code != 0 {
				out = r.stderr
			}
			if r.code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s%s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}
