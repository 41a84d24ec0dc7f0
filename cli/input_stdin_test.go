package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// TestHelperStdinRun is the process TestInputFromStdin pipes its input
// to: it runs the command line STDIN_RUN_ARGS (split at each \x1f) on this
// process's standard input and exits with its code.
func TestHelperStdinRun(t *testing.T) {
	args := os.Getenv("STDIN_RUN_ARGS")
	if args == "" {
		t.Skip("helper process")
	}
	env := map[string]string{"INJECTKIT_OUTBOX": "none", "INJECTKIT_LOG_LEVEL": "error"}
	os.Exit(cli.Run(context.Background(), cli.Options{Registry: registry(), Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: func(k string) string { return env[k] }}, append([]string{"injectkit"}, strings.Split(args, "\x1f")...)))
}

// --targets-file - and --inject-file - read the standard input, as a
// pipe gives it; an error about what it holds names it stdin, with the
// line (and the column) as for a file. Both at once are refused: stdin
// is read once.
func TestInputFromStdin(t *testing.T) {
	const file = `{"injector":"noop","targets":[{"target_ipv4":"127.0.0.1"}],` + "\n"
	for _, tt := range []struct {
		name, stdin string
		args        []string
		code        int
		stdout      []string // each in stdout
		stderr      string
	}{
		{"targets file", "127.0.0.1\n# a comment\n\n127.0.0.2\n", []string{"run", "noop", "--targets-file", "-", "-o", "json"}, 0,
			[]string{`"127.0.0.1"`, `"127.0.0.2"`}, ""},
		{"targets file, a bad line", "127.0.0.1\nbad host\n", []string{"run", "noop", "--targets-file", "-"}, 2,
			nil, `injectkit: stdin:2: invalid target "bad host"`},
		{"targets file, none", "# nothing\n", []string{"run", "noop", "--targets-file", "-"}, 2,
			nil, `invalid targets_file "-" (--targets-file): holds no target`},
		{"inject file", file + `"params":{"outcome":"success"}}`, []string{"run", "--inject-file", "-", "-o", "json"}, 0,
			[]string{`"127.0.0.1"`}, ""},
		{"inject file, a bad key", file + ` "params": {"": "x"}}`, []string{"run", "--inject-file", "-"}, 2,
			nil, `injectkit: inject file stdin:2:13: invalid params[""]`},
		{"inject file, a bad target", `{"injector":"noop","targets":[{"target_hostname":"a b"}]}`, []string{"run", "--inject-file", "-"}, 2,
			nil, `injectkit: inject file stdin:1: invalid targets[0].target_hostname "a b"`},
		{"both", file + "}", []string{"run", "--inject-file", "-", "--targets-file", "-"}, 2,
			nil, `invalid targets_file "-" (--targets-file): stdin is read as the inject_file already (--inject-file)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStdinRun$")
			cmd.Env = append(os.Environ(), "STDIN_RUN_ARGS="+strings.Join(tt.args, "\x1f"))
			cmd.Stdin = strings.NewReader(tt.stdin) // a pipe
			var out, errs bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errs
			code := 0
			var ee *exec.ExitError
			if err := cmd.Run(); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.Contains(errs.String(), tt.stderr) {
				t.Fatalf("exit %d, want %d and %q:\n%s", code, tt.code, tt.stderr, errs.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %s:\n%s", want, out.String())
				}
			}
		})
	}
}
