package cli_test

import "testing"

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
