package cli_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// An outbox another process keeps locked past the timeout: every command
// that opens it exits 2 naming the holder, and says once what to do
// (wait for that process or stop it, or give the timeout longer), naming
// the timeout's setting as the user gave it. The line named the holder
// alone: not the way on, nor the setting.
func TestOutboxLockedSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	box := filepath.Join(dir, "locked.db")
	holder, err := outbox.Open(box, outbox.Options{Command: "test holder"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conf := writeFile(t, "c.yaml", "outbox_lock_timeout: 150ms\n")
	commands := outboxOpeners()
	sources := []struct {
		name    string
		env     map[string]string
		args    []string
		setting string
	}{
		{"flag", nil, []string{"--outbox-lock-timeout", "100ms"}, "give --outbox-lock-timeout a longer time than 100ms"},
		{"env", map[string]string{"INJECTKIT_OUTBOX_LOCK_TIMEOUT": "100ms"}, nil, "give env INJECTKIT_OUTBOX_LOCK_TIMEOUT a longer time than 100ms"},
		{"config file", nil, []string{"--config", conf}, "give outbox_lock_timeout (config file " + conf + ":1) a longer time than 150ms"},
	}
	pid := strconv.Itoa(os.Getpid())
	for _, src := range sources {
		for _, cmd := range commands {
			t.Run(src.name+"/"+strings.Join(cmd[:2], " "), func(t *testing.T) {
				env := map[string]string{"INJECTKIT_OUTBOX": box}
				for k, v := range src.env {
					env[k] = v
				}
				r := run(t, registry(), env, append(append(append([]string{}, cmd...), src.args...), "--log-level", "error")...)
				hint := "hint: nothing was done: wait for process " + pid + " to let go of the outbox (or stop it) and run this again, " +
					"or wait longer for it: " + src.setting
				if r.code != 2 || !strings.Contains(r.stderr, "is locked by process "+pid+" (test holder)") || strings.Count(r.stderr, hint) != 1 {
					t.Errorf("exit %d, want 2, the holder and once %q:\n%s%s", r.code, hint, r.stdout, r.stderr)
				}
			})
		}
	}
}
