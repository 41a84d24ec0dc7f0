package cli_test

import (
	"strings"
	"testing"
)

// A boolean flag given its value after a space (`--insecure true`, as
// --timeout 5m is written) left the value as an argument: the error
// named the command's arguments (`run takes one injector name, got
// "noop true"`), not the flag the user wrote. It exits 2 as before, and
// its hint names the flag and how to write it; an extra argument after
// no boolean flag gets no such hint.
func TestBoolFlagWithAValueAfterASpaceIsNamed(t *testing.T) {
	tests := []struct {
		args      []string
		err, hint string
	}{
		{[]string{"run", "noop", "--target", "127.0.0.1", "--insecure", "true"},
			`run takes one injector name, got "noop true"`, `hint: --insecure takes no value after a space: write --insecure=true`},
		{[]string{"validate", "--phase-any", "false", "noop", "--target", "127.0.0.1"},
			`validate takes one injector name, got "false noop"`, `hint: --phase-any takes no value after a space: write --phase-any=false`},
		{[]string{"outbox", "flush", "--backend-url", "http://127.0.0.1:1", "--insecure", "1"},
			`outbox flush takes no arguments, got "1"`, `hint: --insecure takes no value after a space: write --insecure=1`},
		{[]string{"run", "noop", "--target", "127.0.0.1", "extra"},
			`run takes one injector name, got "noop extra"`, ""},
		{[]string{"run", "noop", "--insecure", "--target", "127.0.0.1", "yes"},
			`run takes one injector name, got "noop yes"`, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.err) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, tt.err)
			}
			if got := strings.Contains(r.stderr, "hint:"); tt.hint == "" && got || tt.hint != "" && !strings.Contains(r.stderr, tt.hint) {
				t.Errorf("stderr:\n%s\nwant hint %q", r.stderr, tt.hint)
			}
		})
	}
}
