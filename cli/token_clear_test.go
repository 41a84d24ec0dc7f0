package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// t67: a token bound for plain http:// on another host than this machine
// gets one WARN line at start (validate and run share it, and outbox
// flush); a loopback URL, an https:// one or no token gets none. Nothing
// here is sent to a host that is not loopback: validate sends nothing,
// and the flush's outbox holds only a loopback backend's body, left
// pending as another backend's.
func TestWarnTokenInClear(t *testing.T) {
	const warn = "the token goes in clear over http://"
	tests := []struct {
		name  string
		url   string
		token bool
		want  bool
	}{
		{"another host", "http://192.0.2.10:8080", true, true},
		{"another host, credentials in the URL", "http://u:p@192.0.2.10:8080", false, true},
		{"another host, upper-case scheme", "HTTP://backend.example:8080", true, true},
		{"127.0.0.1", "http://127.0.0.1:8080", true, false},
		{"127.8.9.10", "http://127.8.9.10:8080", true, false},
		{"::1", "http://[::1]:8080", true, false},
		{"localhost", "http://localhost:8080", true, false},
		{"https", "https://192.0.2.10:8443", true, false},
		{"no token", "http://192.0.2.10:8080", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"validate", "noop", "--target", "192.0.2.1", "--inject-id", "inj-c", "--backend-url", tt.url}
			if tt.token {
				args = append(args, "--token", "tok-clear-1")
			}
			r := run(t, registry(), nil, args...)
			if n := strings.Count(r.stderr, warn); r.code != 0 || n != map[bool]int{true: 1, false: 0}[tt.want] ||
				strings.Contains(r.stderr, "tok-clear-1") || strings.Contains(r.stderr, ":p@") {
				t.Errorf("exit %d, %d WARN lines, want %v:\n%s", r.code, n, tt.want, r.stderr)
			}
		})
	}
	t.Run("outbox flush", func(t *testing.T) {
		be := newSwitchable(t, http.StatusServiceUnavailable)
		box := filepath.Join(t.TempDir(), "outbox.db")
		env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok-clear-1"}
		keepInOutbox(t, env, "inj-c", be.URL)
		before := len(be.got())
		f := run(t, registry(), env, "outbox", "flush", "--backend-url", "http://192.0.2.10:8080")
		if strings.Count(f.stderr, warn) != 1 || len(be.got()) != before {
			t.Errorf("flush: exit %d, %d requests, stderr %q; want one WARN, nothing sent", f.code, len(be.got())-before, f.stderr)
		}
	})
}
