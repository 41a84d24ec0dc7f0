package cli_test

import (
	"strings"
	"testing"
)

// A cloud setting nobody gave is said to be missing, with the settings
// it goes with as they were given and the three ways to give it: never as
// an empty value of a flag the user did not type.
func TestCloudSettingMissingNamedAsMissing(t *testing.T) {
	for _, tt := range []struct {
		name, config string
		env          map[string]string
		args         []string
		want         string // %s: the config file
	}{
		{name: "provider, the config file's region", config: "cloud_region: \"reg f\"\n",
			want: "missing cloud_provider (e.g. aws): required with cloud_region (config file %s:1); give it with --cloud-provider, env INJECTKIT_CLOUD_PROVIDER or key cloud_provider in the config file"},
		{name: "provider, the environment's account and region", env: map[string]string{"INJECTKIT_CLOUD_ACCOUNT": "1", "INJECTKIT_CLOUD_REGION": "r"},
			want: "missing cloud_provider (e.g. aws): required with env INJECTKIT_CLOUD_ACCOUNT, env INJECTKIT_CLOUD_REGION; give it with --cloud-provider"},
		{name: "account, flags", args: []string{"--cloud-provider", "aws", "--cloud-region", "r"},
			want: "missing cloud_account (the account, subscription or project id): required with --cloud-provider, --cloud-region; give it with --cloud-account, env INJECTKIT_CLOUD_ACCOUNT or key cloud_account"},
		{name: "region, the config file's provider and account", config: "cloud_provider: aws\ncloud_account: \"1\"\n",
			want: "missing cloud_region (repeatable: one target per region): required with cloud_provider (config file %s:1), cloud_account (config file %s:2); give it with --cloud-region"},
	} {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args, want := append([]string{cmd, "noop", "--log-level", "error"}, tt.args...), tt.want
				if tt.config != "" {
					conf := writeFile(t, "rk.yaml", tt.config)
					args = append(args, "--config", conf)
					want = strings.ReplaceAll(want, "%s", conf)
				}
				r := run(t, registry(), tt.env, args...)
				if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, `""`) {
					t.Errorf("exit %d, want 2 with %q and no empty value:\n%s", r.code, want, r.stderr)
				}
			})
		}
	}
}
