package cli_test

import (
	"strings"
	"testing"
)

// No command's help shows the redactor's mark: a help that says
// "[REDACTED]" reads as a secret withheld from it (outbox move's EXIT
// CODES said "--to … holding [REDACTED]", meaning a URL copied from an
// output that withheld a secret of it). The walk follows each help's
// COMMANDS, so a command added later is checked too.
func TestHelpShowsNoRedactedMark(t *testing.T) {
	seen := 0
	var walk func(path []string)
	walk = func(path []string) {
		r := run(t, registry(), nil, append(append([]string{}, path...), "--help")...)
		seen++
		if r.code != 0 {
			t.Fatalf("%q --help: exit %d:\n%s", path, r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "REDACTED") {
			t.Errorf("injectkit %s --help shows the redactor's mark:\n%s", strings.Join(path, " "), r.stdout)
		}
		_, cmds, ok := strings.Cut(r.stdout, "COMMANDS:\n")
		if !ok {
			return
		}
		cmds, _, _ = strings.Cut(cmds, "\n\n")
		for line := range strings.Lines(cmds) {
			name := strings.TrimSuffix(strings.Fields(line)[0], ",")
			if name == "help" {
				continue
			}
			walk(append(append([]string{}, path...), name))
		}
	}
	walk(nil)
	if seen < 10 {
		t.Fatalf("%d helps read: the walk did not follow COMMANDS", seen)
	}
}
