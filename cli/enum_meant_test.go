package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// A misspelled value of an enumerated setting is refused, exit 2, nothing
// sent or stored, naming the values it takes and the one likely meant, as
// a misspelled param, inject file field, flag or injector is: from a flag,
// the environment or the config file alike, an inject file's
// expectation_types too.
func TestMisspelledEnumSaysWhichWasMeant(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		yaml string // the config file, when set; FILE is its path
		want string
	}{
		{name: "expectation", args: []string{"--expectation", "DETECTON"},
			want: `invalid expectation "DETECTON" (--expectation): want DETECTION, PREVENTION or VULNERABILITY: did you mean DETECTION?`},
		{name: "expectation, lower case", env: map[string]string{"INJECTKIT_EXPECTATION": "prevntion"},
			want: `invalid expectation "prevntion" (env INJECTKIT_EXPECTATION): want DETECTION, PREVENTION or VULNERABILITY: did you mean PREVENTION?`},
		{name: "expectation, config file", yaml: "expectation: [VULNERABILTY]\n",
			want: `invalid expectation "VULNERABILTY" (config file FILE:1): want DETECTION, PREVENTION or VULNERABILITY: did you mean VULNERABILITY?`},
		{name: "expectation, inject file", args: []string{"--inject-file", "INJECT"},
			want: `invalid expectation_types[0] "DETECTON": unknown expectation type (valid: DETECTION, PREVENTION, VULNERABILITY): did you mean DETECTION?`},
		{name: "profile", args: []string{"--profile", "opnaev"},
			want: `invalid profile "opnaev" (--profile): want callback or openaev: did you mean openaev?`},
		{name: "profile, config file", yaml: "profile: calback\n",
			want: `invalid profile "calback" (config file FILE:1): want callback or openaev: did you mean callback?`},
		{name: "log format", env: map[string]string{"INJECTKIT_LOG_FORMAT": "jsn"},
			want: `invalid log_format "jsn" (env INJECTKIT_LOG_FORMAT): want console or json: did you mean json?`},
		{name: "log level", args: []string{"--log-level", "debg"},
			want: `invalid log_level "debg" (--log-level): want debug, info, warn or error: did you mean debug?`},
		{name: "output", args: []string{"--output", "jsn"},
			want: `invalid output "jsn" (--output): want text or json: did you mean json?`},
		{name: "phase", args: []string{"--phase", "execution_compelte"},
			want: `(--phase-any sends any other): did you mean execution_complete?`},
		// Far from every value: no guess.
		{name: "no guess", args: []string{"--profile", "xml"}, want: `invalid profile "xml" (--profile): want callback or openaev` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := transporttest.NewBackend(t)
			dir := t.TempDir()
			outbox := filepath.Join(dir, "ob.db")
			inject := filepath.Join(dir, "inject.json")
			if err := os.WriteFile(inject, []byte(`{"injector":"noop","targets":[{"target_ipv4":"127.0.0.1"}],"expectation_types":["DETECTON"]}`), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"run", "noop", "--backend-url", be.URL, "--inject-id", "i1", "--outbox", outbox}
			if !strings.Contains(tt.want, "expectation_types") {
				args = append(args, "--target", "127.0.0.1")
			}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "INJECT", inject))
			}
			want := tt.want
			if tt.yaml != "" {
				conf := writeFile(t, "c.yaml", tt.yaml)
				args, want = append(args, "--config", conf), strings.ReplaceAll(want, "FILE", conf)
			}
			r := run(t, registry(), tt.env, args...)
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
			}
			if n := len(be.Requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			if _, err := os.Stat(outbox); !os.IsNotExist(err) {
				t.Errorf("outbox %s: %v, want none created", outbox, err)
			}
		})
	}
}

// completion's shell, misspelled, is answered with the one meant.
func TestCompletionShellMisspelled(t *testing.T) {
	r := run(t, registry(), nil, "completion", "zhs")
	if want := `invalid shell "zhs": want bash, zsh or fish: did you mean zsh?`; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
	}
}
