//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An outbox path no file can ever be reached through, a symbolic link
// loop (its last part's or a directory's), is bad input: every
// command that takes --outbox exits 2 naming the setting as it was given
// (the flag, the variable, the config file's key and line) and its value,
// as it names a FIFO or a dangling link, nothing run, sent or stored. It
// exited 2 all the same, but with "outbox P: open P: too many levels of
// symbolic links", no word of --outbox nor of where it was written; the
// default outbox (under XDG_STATE_HOME or HOME) names the variable.
func TestOutboxLinkLoopNamed(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop.db")
	if err := os.Symlink(filepath.Join(dir, "back.db"), loop); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(loop, filepath.Join(dir, "back.db")); err != nil {
		t.Fatal(err)
	}
	loopDir := filepath.Join(dir, "ring")
	if err := os.Symlink(loopDir, loopDir); err != nil {
		t.Fatal(err)
	}
	throughLoop := filepath.Join(loopDir, "outbox.db")
	const why = "a symbolic link loop (too many levels of symbolic links): no file can be reached through it"
	paths := []struct{ name, path string }{{"link loop", loop}, {"loop in a directory", throughLoop}}
	commands := outboxOpeners()
	for _, p := range paths {
		conf := writeFile(t, "c.yaml", "outbox: "+p.path+"\n")
		sources := []struct {
			name  string
			env   map[string]string
			args  []string
			given string
		}{
			{"flag", nil, []string{"--outbox", p.path}, `invalid outbox "` + p.path + `" (--outbox): `},
			{"env", map[string]string{"INJECTKIT_OUTBOX": p.path}, nil, `invalid outbox "` + p.path + `" (env INJECTKIT_OUTBOX): `},
			{"config file", nil, []string{"--config", conf}, `invalid outbox "` + p.path + `" (config file ` + conf + `:1): `},
		}
		for _, src := range sources {
			for _, cmd := range commands {
				t.Run(p.name+"/"+src.name+"/"+strings.Join(cmd[:2], " "), func(t *testing.T) {
					args := append(append([]string{}, cmd...), src.args...)
					r := run(t, registry(), src.env, args...)
					want := src.given + why
					if r.code != 2 || !strings.Contains(r.stderr, want) {
						t.Errorf("exit %d, want 2 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
					}
				})
			}
		}
	}
	t.Run("default", func(t *testing.T) {
		home := t.TempDir()
		state := filepath.Join(home, "injectkit")
		if err := os.MkdirAll(state, 0o700); err != nil {
			t.Fatal(err)
		}
		box := filepath.Join(state, "outbox.db")
		if err := os.Symlink(box, box); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range commands {
			r := run(t, registry(), map[string]string{"XDG_STATE_HOME": home}, cmd...)
			want := `invalid outbox "` + box + `" (the default, under XDG_STATE_HOME=` + home + `): a symbolic link loop`
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("%s: exit %d, want 2 and %q:\n%s%s", strings.Join(cmd[:2], " "), r.code, want, r.stdout, r.stderr)
			}
		}
	})
}
