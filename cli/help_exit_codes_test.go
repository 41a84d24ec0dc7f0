package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// Every command and subcommand's --help has an EXIT CODES section, each
// code it lists a number: found by walking the COMMANDS sections from the
// top, so that a command added later without one fails here.
func TestEveryCommandHelpListsItsExitCodes(t *testing.T) {
	code := regexp.MustCompile(`(?m)^\s+(0|1|2|3|130)  \S`)
	var walk func(path []string)
	walk = func(path []string) {
		r := run(t, registry(), nil, append(append([]string{}, path...), "--help")...)
		out := r.stdout
		name := strings.Join(append([]string{"injectkit"}, path...), " ")
		if r.code != 0 {
			t.Errorf("%s --help: exit %d\n%s", name, r.code, r.stderr)
			return
		}
		_, exits, ok := strings.Cut(out, "EXIT CODES:")
		switch {
		case !ok:
			t.Errorf("%s --help has no EXIT CODES section:\n%s", name, out)
		case len(path) > 0 && path[0] != "outbox" || len(path) > 1:
			if !code.MatchString(exits) || !strings.Contains(exits, "  0  ") {
				t.Errorf("%s --help: its EXIT CODES list no code 0:\n%s", name, exits)
			}
		}
		_, cmds, ok := strings.Cut(out, "COMMANDS:\n")
		if !ok {
			return
		}
		cmds, _, _ = strings.Cut(cmds, "\n\n")
		for _, line := range strings.Split(cmds, "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || f[0] == "help," || f[0] == "help" {
				continue
			}
			walk(append(append([]string{}, path...), f[0]))
		}
	}
	walk(nil)
}
