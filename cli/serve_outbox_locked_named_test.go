//go:build unix && !solaris && !aix && !android

package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// serve started while another process holds its outbox's lock says so
// once, in its WARN and its /healthz reason: the holder, the outbox as
// the user gave it (the flag, the variable, the default's variable and
// value) and what to do, as run's hint says it (wait for the holder to
// let go of the outbox, or stop it). It named the path and the holder
// alone, nothing to do.
func TestServeLockedAtStartNamesTheOutboxAndWhatToDo(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	state := t.TempDir()
	byFlag := filepath.Join(t.TempDir(), "outbox.db")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		path  string
		given string
	}{
		{"flag", nil, []string{"--outbox", byFlag}, byFlag, "it is the outbox given by --outbox"},
		{"env", map[string]string{"INJECTKIT_OUTBOX": byFlag}, nil, byFlag, "it is the outbox given by env INJECTKIT_OUTBOX"},
		{"default", map[string]string{"XDG_STATE_HOME": state}, nil, filepath.Join(state, "injectkit", "outbox.db"),
			"it is the default outbox, under XDG_STATE_HOME=" + state},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.MkdirAll(filepath.Dir(tt.path), 0o700); err != nil {
				t.Fatal(err)
			}
			other, err := outbox.Open(tt.path, outbox.Options{}) // not shared: holds the file until closed
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			stderr, stop := serveRun(t, tt.env, append([]string{"--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "127.0.0.1:0", "--log-format", "json", "--outbox-lock-timeout", "100ms", "--injectors", "noop"}, tt.args...)...)
			defer stop()
			waitUntil(t, "the pause at start said", func() bool { return strings.Contains(stderr.String(), "consumption not started: ") })
			holder := "process " + strconv.Itoa(os.Getpid())
			want := "; " + tt.given + ": wait for " + holder + " to let go of the outbox (or stop it)"
			line := "consumption not started: outbox locked: outbox " + tt.path + " is locked by " + holder
			if n := strings.Count(stderr.String(), line); n != 1 || !strings.Contains(stderr.String(), want+"; the daemon registers, and consumes once this clears") {
				t.Errorf("stderr:\n%s\nwant one WARN %q… with %q", stderr, line, want)
			}
			code, h, body := healthOf(t, stderr.String())
			if code != http.StatusServiceUnavailable || !h.Paused || !strings.HasPrefix(h.Reason, "outbox locked: outbox "+tt.path) || !strings.Contains(h.Reason, want) {
				t.Errorf("/healthz: %d %s; want 503, paused, its reason naming the lock and %q", code, body, want)
			}
		})
	}
}
