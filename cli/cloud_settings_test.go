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

// A blank cloud provider or account is refused quoting the value the
// user gave for that setting, where it was given, never the other fields
// of the target joined, with either profile and from an inject file.
func TestBlankCloudProviderOrAccountQuotesItsValue(t *testing.T) {
	inject := func(provider, account string) string {
		return writeFile(t, "inject.json", `{"injector":"noop","targets":[{"cloud_provider":"`+provider+
			`","cloud_account_id":"`+account+`","cloud_region":"eu-west-1"}]}`)
	}
	badProvider, badAccount := inject(" ", "123456789012"), inject("aws", " ")
	region := []string{"--cloud-region", "eu-west-1"}
	for _, profile := range []string{"callback", "openaev"} {
		t.Run(profile, func(t *testing.T) {
			wantRefused(t, registry(), nil, []string{"noop", "--profile", profile}, "eu-west-1\"", []refusal{
				{"--cloud-provider", nil, append([]string{"--cloud-provider", " ", "--cloud-account", "123456789012"}, region...),
					`invalid --cloud-provider " ": required`},
				{"--cloud-account", nil, append([]string{"--cloud-provider", "aws", "--cloud-account", " "}, region...),
					`invalid --cloud-account " ": required`},
				{"env cloud account", map[string]string{"INJECTKIT_CLOUD_ACCOUNT": " "}, append([]string{"--cloud-provider", "aws"}, region...),
					`invalid cloud_account " " (env INJECTKIT_CLOUD_ACCOUNT): required`},
				{"inject file cloud_provider", nil, []string{"--inject-file", badProvider},
					`inject file ` + badProvider + `:1: invalid targets[0].cloud_provider " ": required`},
				{"inject file cloud_account_id", nil, []string{"--inject-file", badAccount},
					`inject file ` + badAccount + `:1: invalid targets[0].cloud_account_id " ": required`},
			})
		})
	}
}
