package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// outboxStarters are outboxOpeners and serve, each with whether it says
// that nothing ran (run and serve) when the file system refuses the
// outbox: nothingRanHint.
func outboxStarters() []struct {
	args  []string
	offer bool
} {
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id",
		"5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10", "--token", "tok-12345678", "--injectors", "noop"}
	var out []struct {
		args  []string
		offer bool
	}
	for _, args := range append(outboxOpeners(), serve) {
		out = append(out, struct {
			args  []string
			offer bool
		}{args, args[0] == "run" || args[0] == "serve"})
	}
	return out
}

const nothingRanHint = "hint: nothing ran, nothing was sent or stored: the outbox must be a file this user can create and write (--outbox PATH), or --outbox none"

// An outbox path under a file (--outbox somefile/x) is refused naming
// the setting as it was given (the flag, the variable, the config file's
// key and line) and its value, as a symbolic link loop is, and the
// system's refusal; run and serve say too that nothing ran. It named the
// path alone ("outbox P: create directory: mkdir D: not a directory").
func TestOutboxUnderAFileNamesTheSetting(t *testing.T) {
	file := writeFile(t, "not-a-dir", "x")
	box := filepath.Join(file, "outbox.db")
	conf := writeFile(t, "c.yaml", "outbox: "+box+"\n")
	sources := []struct {
		name  string
		env   map[string]string
		args  []string
		given string
	}{
		{"flag", nil, []string{"--outbox", box}, "(--outbox)"},
		{"env", map[string]string{"INJECTKIT_OUTBOX": box}, nil, "(env INJECTKIT_OUTBOX)"},
		{"config file", nil, []string{"--config", conf}, "(config file " + conf + ":1)"},
	}
	for _, src := range sources {
		for _, cmd := range outboxStarters() {
			t.Run(src.name+"/"+strings.Join(cmd.args[:2], " "), func(t *testing.T) {
				r := run(t, registry(), src.env, append(append(append([]string{}, cmd.args...), src.args...), "--log-level", "error")...)
				want := `invalid outbox "` + box + `" ` + src.given + `: outbox ` + box + `: `
				if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "not a directory") {
					t.Fatalf("exit %d, want 2 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
				}
				if got := strings.Count(r.stderr, nothingRanHint); got != map[bool]int{true: 1}[cmd.offer] {
					t.Errorf("says %q %d times, want it once for run and serve only:\n%s", nothingRanHint, got, r.stderr)
				}
			})
		}
	}
}

// The default outbox (no --outbox) under a file, by XDG_STATE_HOME or
// HOME, is refused naming the variable it came from and its value, and
// keeps run's and serve's hint. It named the path alone ("outbox
// F/state/injectkit/outbox.db: create directory: mkdir F: not a
// directory"), which does not say which variable to fix.
func TestDefaultOutboxUnderAFileNamesTheVariable(t *testing.T) {
	file := writeFile(t, "not-a-dir", "x")
	for _, v := range []struct {
		name string
		env  map[string]string
		box  string
	}{
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": filepath.Join(file, "state")}, filepath.Join(file, "state", "injectkit", "outbox.db")},
		{"HOME", map[string]string{"XDG_STATE_HOME": "", "HOME": file}, filepath.Join(file, ".local", "state", "injectkit", "outbox.db")},
	} {
		for _, cmd := range outboxStarters() {
			t.Run(v.name+"/"+strings.Join(cmd.args[:2], " "), func(t *testing.T) {
				r := run(t, registry(), v.env, append(append([]string{}, cmd.args...), "--log-level", "error")...)
				want := `invalid outbox "` + v.box + `" (the default, under ` + v.name + `=` + v.env[v.name] + `): outbox ` + v.box + `: `
				if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "not a directory") {
					t.Fatalf("exit %d, want 2 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
				}
				if got := strings.Count(r.stderr, nothingRanHint); got != map[bool]int{true: 1}[cmd.offer] {
					t.Errorf("says %q %d times, want it once for run and serve only:\n%s", nothingRanHint, got, r.stderr)
				}
			})
		}
	}
}
