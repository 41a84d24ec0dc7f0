package cli_test

import (
	"strings"
	"testing"
)

// A flag that says which inject runs (its id, inject file, targets file,
// cloud provider and account, platform message), given twice with two
// values, is refused before anything runs, is sent or is stored, naming
// the flag and both values: which inject was meant is not for injectkit
// to guess, and the last alone dropped the first without a word
// (--targets-file a.txt --targets-file b.txt scanned b.txt's targets
// alone, exit 0). validate refuses it alike. The same value twice is one
// value, and any other flag of one value given twice takes the last, as
// the README says (--timeout 1m --timeout 5m is 5m).
func TestFlagOfTheInjectGivenTwiceRefused(t *testing.T) {
	a := writeFile(t, "a.txt", "127.0.0.3\n")
	b := writeFile(t, "b.txt", "127.0.0.4\n")
	ia := writeFile(t, "a.json", `{"targets":[{"value":"127.0.0.3"}]}`)
	ib := writeFile(t, "b.json", `{"targets":[{"value":"127.0.0.4"}]}`)
	cloud := []string{"--cloud-region", "eu-west-1"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"targets file", []string{"--targets-file", a, "--targets-file", b},
			`--targets-file given twice ("` + a + `", then "` + b + `"): it takes one value; give it once`},
		{"inject file", []string{"--inject-file", ia, "--inject-file", ib},
			`--inject-file given twice ("` + ia + `", then "` + ib + `")`},
		{"inject id", []string{"--target", "127.0.0.1", "--inject-id", "i-2"}, `--inject-id given twice ("i-1", then "i-2")`},
		{"cloud account", append([]string{"--cloud-provider", "aws", "--cloud-account", "111111111111", "--cloud-account", "222222222222"}, cloud...),
			`--cloud-account given twice ("111111111111", then "222222222222")`},
		{"cloud provider", append([]string{"--cloud-provider", "aws", "--cloud-provider", "gcp", "--cloud-account", "111111111111"}, cloud...),
			`--cloud-provider given twice ("aws", then "gcp")`},
		{"platform message", []string{"--openaev-message", ia, "--openaev-message", ib},
			`--openaev-message given twice ("` + ia + `", then "` + ib + `")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := refusedBeforeRun(t, nil, tt.args...)
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("run: stderr:\n%s\nwant %q", stderr, tt.want)
			}
			r := run(t, registry(), nil, append([]string{"validate", "noop", "--inject-id", "i-1", "--token", "t0k3n-first", "--backend-url", "http://127.0.0.1:9"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("validate: exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
	// One value given twice is one value; another flag of one value
	// takes the last.
	r := run(t, registry(), nil, "run", "noop", "--log-level", "error", "-o", "json", "--inject-id", "i-1", "--inject-id", "i-1",
		"--targets-file", a, "--targets-file", a, "--timeout", "1m", "--timeout", "5m", "--phase-any", "--phase", "x", "--phase", "y")
	if r.code != 0 || !strings.Contains(r.stdout, "127.0.0.3") || !strings.Contains(r.stdout, `"phase":"y"`) {
		t.Errorf("the same value twice: exit %d, stdout %s, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
