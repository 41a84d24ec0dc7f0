package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A token that cannot travel in an Authorization header is refused
// naming where it was given (the flag, the variable, the config file's
// line), as every other setting is, and never its value, by every
// command that takes one.
func TestTokenErrorNamesItsSource(t *testing.T) {
	conf := writeFile(t, "c.yaml", "backend_url: http://127.0.0.1:1\ntoken: \"sekrit\\0tok\"\n")
	serveConf := writeFile(t, "s.yaml", "token: \"sekrit\\0tok\"\n")
	lineBreak := writeFile(t, "lb.yaml", "backend_url: http://127.0.0.1:1\ntoken: \"sekrit\\ntok\"\n")
	run1 := []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-tok", "--outbox", "none", "--log-level", "error"}
	backend := []string{"--backend-url", "http://127.0.0.1:1"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "00000000-0000-4000-8000-000000000001",
		"--injectors", "noop", "--listen-addr", "", "--outbox", "none"}
	tests := []refusal{
		{"run --token", nil, append(append(run1, backend...), "--token", "sekrit\ntok"), `invalid token (secret) (--token): holds a control character`},
		{"validate --token", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--token", "sekrit\ntok"},
			`invalid token (secret) (--token): holds a control character`},
		{"run env", map[string]string{"INJECTKIT_TOKEN": "sekrit\x01tok"}, append(run1, backend...),
			`invalid token (secret) (env INJECTKIT_TOKEN): holds a control character`},
		{"run config file", nil, append(run1, "--config", conf), `invalid token (secret) (config file ` + conf + `:2): holds a control character`},
		{"run config file, a line break", nil, append(run1, "--config", lineBreak),
			`invalid token (secret) (config file ` + lineBreak + `:2): holds a control character`},
		{"run non-ASCII", nil, append(append(run1, backend...), "--token", "sekrit\u00e9tok"),
			`invalid token (secret) (--token): holds a character outside ASCII`},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", "none", "--token", "sekrit\ttok"}, backend...),
			`invalid token (secret) (--token): holds a control character`},
		{"serve --token", nil, append(serve, "--token", "sekrit\ntok"), `invalid token (secret) (--token): holds a control character`},
		{"serve config file", nil, append(serve, "--config", serveConf), `invalid token (secret) (config file ` + serveConf + `:1): holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			checkRefused(t, r, tt.want)
			checkNotShown(t, r, "sekrit")
		})
	}
}

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

// A token given with an empty backend URL (a URL from an unset variable,
// say) goes nowhere: the run prints its output, exit 0, and says on
// stderr that the token is unused, naming where each was given, never
// the token. Without a token nothing is said.
func TestTokenWithoutBackendWarns(t *testing.T) {
	const token = "tok-3f9a7c21e5"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		warn string
	}{
		{"flag", nil, []string{"--backend-url", "", "--token", token}, `a token was given (--token) but no backend URL`},
		{"environment", map[string]string{"INJECTKIT_TOKEN": token}, nil, `a token was given (env INJECTKIT_TOKEN) but no backend URL`},
		{"no token", nil, []string{"--backend-url", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "noop", "--target", "127.0.0.1", "-o", "json"}, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "127.0.0.1") {
				t.Fatalf("exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
			}
			checkNotShown(t, r, token)
			if got := strings.Contains(r.stderr, "the token is unused"); got != (tt.warn != "") || !strings.Contains(r.stderr, tt.warn) {
				t.Errorf("stderr:\n%s\nwant the warning %q: %v", r.stderr, tt.warn, tt.warn != "")
			}
		})
	}
}

// A token shorter than 8 characters is hardly a real one, and redacting it
// wherever it stands as a word garbles the logs ("outbox" in every hint):
// one WARN line says so; a longer token gets none.
func TestShortTokenWarns(t *testing.T) {
	const warn = "the token is shorter than 8 characters, hardly a real one"
	for _, tc := range []struct {
		token string
		warns bool
	}{
		{"T", true},
		{"outbox", true},
		{"abcdefg", true},
		{"abcdefgh", false},
	} {
		t.Run(tc.token, func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-short", "--target", "127.0.0.1",
				"--backend-url", be.URL, "--token", tc.token)
			if r.code != 0 || strings.Count(r.stderr, warn) != map[bool]int{true: 1, false: 0}[tc.warns] {
				t.Errorf("exit %d, want 0 and the WARN %v:\n%s", r.code, tc.warns, r.stderr)
			}
		})
	}
}
