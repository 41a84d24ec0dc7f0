package cli_test

import (
	"strings"
	"testing"
)

// A config file the YAML decoder refuses, or a value it refuses, names
// the line where the problem is, as an editor counts it: the line of a
// misplaced key or of a tab, not the line above, and for a value reached
// through an alias the line of the key using it, not the anchor's.
func TestConfigErrorsNameTheProblemLine(t *testing.T) {
	bomb := "a: &a [\"lol\",\"lol\",\"lol\"]\nb: &b [*a,*a,*a]\nc: &c [*b,*b,*b]\nd: &d [*c,*c,*c]\n\ntarget: *d\n"
	tests := []struct {
		name, yaml string
		line       string // where the problem is
	}{
		{"key indented under a flow value", "target: [127.0.0.1]\n  bad: 1\n", ":2: yaml: "},
		{"tab after a value", "target: [127.0.0.1]\nlog_level: info\nphase: x\n\tbad: 1\n", ":4: yaml: "},
		{"flow list broken on its third line", "target: [127.0.0.1,\n  127.0.0.2,\n  : x]\n", ":3: yaml: "},
		{"character that starts no token", "target: 127.0.0.1\n@bad\n", ":2: yaml: "},
		{"alias bomb", bomb, ":6): want a value or a list of values, not a nested list"},
		{"aliased scalar with a tag", "x: &x !!binary aGk=\n\n\ntarget: *x\n", ":4): YAML tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.yaml)
			r := run(t, registry(), nil, "run", "noop", "--config", path)
			if r.code != 2 || !strings.Contains(r.stderr, path+tt.line) {
				t.Errorf("exit %d, want 2 naming %q:\n%s", r.code, path+tt.line, r.stderr)
			}
		})
	}
}
