package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The settings read in any letter case are each read so, and the README
// says which they are (its sentence "… are read in any letter case")
// naming each one. An expectation type given twice, in one spelling or
// two, from a flag, the environment, the config file or an inject file,
// counts once where it first stands, as the README says too, as a target
// written twice is kept once.
func TestCaseFreeSettingsAsTheREADMESays(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sentence, ok := strings.Cut(strings.Join(strings.Fields(string(readme)), " "), "The values of `output`")
	if !ok {
		t.Fatal("README.md has no sentence starting `The values of `output``")
	}
	sentence, _, _ = strings.Cut(sentence, "are read in any letter case")
	sentence = "`output`" + sentence
	target := []string{"validate", "noop", "--target", "127.0.0.1"}
	tests := []struct {
		key  string
		args []string
		env  map[string]string
		want string // on stdout
	}{
		{key: "output", args: []string{"--output", "JSON"}, want: "valid: noop"},
		{key: "profile", args: []string{"--profile", "CALLBACK"}, want: "valid: noop"},
		{key: "log_format", args: []string{"--log-format", "Json"}, want: "valid: noop"},
		{key: "log_level", args: []string{"--log-level", "ERROR"}, want: "valid: noop"},
		{key: "expectation", args: []string{"--expectation", "detection", "--expectation", "DETECTION"}, want: "target, DETECTION, timeout"},
		{key: "expectation", env: map[string]string{"INJECTKIT_EXPECTATION": "prevention,detection,PREVENTION"},
			want: "target, PREVENTION, DETECTION, timeout"},
		{key: "expectation", args: []string{"--config", writeFile(t, "e.yaml", "expectation: [DETECTION, detection]\n")}, want: "target, DETECTION, timeout"},
		{key: "expectation", args: []string{"--inject-file", writeFile(t, "e.json", `{"expectation_types":["Prevention","DETECTION","PREVENTION"]}`)},
			want: "target, PREVENTION, DETECTION, timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, registry(), tt.env, append(target, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d, want 0 saying %q; stdout:\n%s\nstderr:\n%s", r.code, tt.want, r.stdout, r.stderr)
			}
			if !strings.Contains(sentence, "`"+tt.key+"`") {
				t.Errorf("README.md does not name `%s` among the settings read in any letter case: %s", tt.key, sentence)
			}
		})
	}
	for _, says := range []string{"`--expectation detection --expectation DETECTION`", "counts once"} {
		if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), says) {
			t.Errorf("README.md does not say an expectation type given twice %s", says)
		}
	}
}
