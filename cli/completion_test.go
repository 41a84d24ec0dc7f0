package cli_test

import (
	"strings"
	"testing"
)

// `completion bash|zsh|fish` prints a script naming the binary: bash and
// zsh ask the binary for the words (the request is tested below), fish
// lists the commands and the injectors.
func TestCompletionScripts(t *testing.T) {
	commands := []string{"run", "validate", "serve", "injectors", "outbox", "version", "completion"}
	for _, tt := range []struct {
		shell string
		want  []string
	}{
		{"bash", []string{"complete -o bashdefault -o default -F _injectkit_complete injectkit", "--generate-bash-completion"}},
		{"zsh", []string{"#compdef injectkit", "compdef _injectkit_complete injectkit", "--generate-bash-completion"}},
		{"fish", append([]string{"complete -c injectkit", "'__fish_seen_subcommand_from run validate injectors' -f -a 'nmap noop'",
			"-l target", "-l outbox", "-f -l backend-url -r",
			// A path's flag completes file names: no -f.
			"'__fish_seen_subcommand_from run' -l config -r", "'__fish_seen_subcommand_from run' -l targets-file -r",
			"'__fish_seen_subcommand_from run' -l outbox -r"}, commands...)},
	} {
		t.Run(tt.shell, func(t *testing.T) {
			r := run(t, registry(withNmap), nil, "completion", tt.shell)
			if r.code != 0 || strings.TrimSpace(r.stdout) == "" || r.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			checkSays(t, "the "+tt.shell+" script", r.stdout, tt.want, nil)
		})
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if r := run(t, registry(), nil, args...); r.code != 2 || !strings.Contains(r.stderr, "bash, zsh or fish") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// The completion request of the bash and zsh scripts: the words typed,
// maybe the flag being typed, then --generate-bash-completion.
func TestCompletionRequest(t *testing.T) {
	const marker = "--generate-bash-completion"
	for _, tt := range []struct {
		name  string
		words []string
		want  []string // nil: nothing
	}{
		{"commands", nil, []string{"run", "validate", "serve", "injectors", "outbox", "version", "completion"}},
		{"injectors of run", []string{"run"}, []string{"nmap", "noop"}},
		{"injectors of validate after a flag", []string{"validate", "--target", "127.0.0.1"}, []string{"nmap", "noop"}},
		{"injectors of injectors", []string{"injectors"}, []string{"nmap", "noop"}},
		{"flags being typed", []string{"run", "noop", "--inj"}, []string{"--inject-id", "--inject-file"}},
		{"flags of a subcommand", []string{"outbox", "list", "--out"}, []string{"--outbox", "--outbox-max-bytes", "--outbox-lock-timeout", "--output"}},
		{"subcommands", []string{"outbox"}, []string{"list", "flush", "drop", "compact", "retry-dead", "move"}},
		{"shells", []string{"completion"}, []string{"bash", "zsh", "fish"}},
		{"value of a flag: files", []string{"run", "--inject-file"}, nil},
		{"after the injector: files", []string{"run", "noop"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withNmap), nil, append(tt.words, marker)...)
			got := strings.Fields(r.stdout)
			if r.code != 0 || strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("exit %d, words %q, want %q; stderr %s", r.code, got, tt.want, r.stderr)
			}
		})
	}
}
