package cli_test

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// TestOutboxPathControlCharacters checks the outside tester's forged
// lines (t50): an outbox path holding a line break or an escape sequence,
// given by --outbox, by the environment or as the default's
// XDG_STATE_HOME, was accepted and printed raw in "stored in outbox …",
// the flush hint and outbox list's header. It is refused, exit 2 naming
// the setting and where it came from, the value quoted, before anything
// is sent or created; so is one holding a format character (t52: a
// right-to-left override), a line or paragraph separator or bytes that
// are not UTF-8 (t53), as an inject id holding one is.
func TestOutboxPathControlCharacters(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	dir := t.TempDir()
	forged := filepath.Join(dir, "o\x1b[31m\nFORGED.db")
	runArgs := []string{"run", "noop", "--target", "10.0.0.1", "--inject-id", "inj-ctl", "--backend-url", be.URL, "--token", "tok", "--log-level", "error"}
	tests := []refusal{
		{"run --outbox", nil, append(runArgs[:len(runArgs):len(runArgs)], "--outbox", forged), `invalid outbox "` + dir + `/o\x1b[31m\nFORGED.db" (--outbox): holds the non-printable character U+001B at byte`},
		{"run, env INJECTKIT_OUTBOX", map[string]string{"INJECTKIT_OUTBOX": forged}, runArgs, `(env INJECTKIT_OUTBOX): holds the non-printable character U+001B`},
		{"run, XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "s\x1b[31m\nFORGED")}, runArgs,
			`invalid XDG_STATE_HOME "` + dir + `/s\x1b[31m\nFORGED" (environment, the default outbox's directory): holds the non-printable character U+001B`},
		{"run, HOME", map[string]string{"XDG_STATE_HOME": "", "HOME": filepath.Join(dir, "h\nFORGED")}, runArgs,
			`invalid HOME "` + dir + `/h\nFORGED" (environment, the default outbox's directory): holds the non-printable character U+000A`},
		{"outbox list --outbox", nil, []string{"outbox", "list", "--outbox", forged}, `invalid outbox "` + dir + `/o\x1b[31m\nFORGED.db" (--outbox)`},
		// A format character (a right-to-left override, a zero-width
		// joiner) is refused as a control character is, from any source.
		{"outbox list, XDG_STATE_HOME, RLO", map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "x\u202ey")}, []string{"outbox", "list"},
			`invalid XDG_STATE_HOME "` + dir + `/x\u202ey" (environment, the default outbox's directory): holds the non-printable character U+202E at byte`},
		{"outbox list, HOME, RLO", map[string]string{"XDG_STATE_HOME": "", "HOME": filepath.Join(dir, "h\u202eFORGED")}, []string{"outbox", "list"},
			`invalid HOME "` + dir + `/h\u202eFORGED" (environment, the default outbox's directory): holds the non-printable character U+202E`},
		{"run --outbox, zero-width joiner", nil, append(runArgs[:len(runArgs):len(runArgs)], "--outbox", filepath.Join(dir, "o\u200d.db")),
			`invalid outbox "` + dir + `/o\u200d.db" (--outbox): holds the non-printable character U+200D at byte`},
		{"run, env INJECTKIT_OUTBOX, RLO", map[string]string{"INJECTKIT_OUTBOX": filepath.Join(dir, "o\u202e.db")}, runArgs,
			`(env INJECTKIT_OUTBOX): holds the non-printable character U+202E`},
		// A line or paragraph separator, or bytes that are not UTF-8,
		// are refused as they are in an inject id (t53).
		{"outbox list --outbox, line separator", nil, []string{"outbox", "list", "--outbox", filepath.Join(dir, "x\u2028y.db")},
			`invalid outbox "` + dir + `/x\u2028y.db" (--outbox): holds the non-printable character U+2028 at byte`},
		{"outbox list, XDG_STATE_HOME, paragraph separator", map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "x\u2029y")}, []string{"outbox", "list"},
			`invalid XDG_STATE_HOME "` + dir + `/x\u2029y" (environment, the default outbox's directory): holds the non-printable character U+2029 at byte`},
		{"run --outbox, not UTF-8", nil, append(runArgs[:len(runArgs):len(runArgs)], "--outbox", filepath.Join(dir, "o\xff.db")),
			`invalid outbox "` + dir + `/o\xff.db" (--outbox): holds the byte 0xFF at byte`},
		{"run, env INJECTKIT_OUTBOX, line separator", map[string]string{"INJECTKIT_OUTBOX": filepath.Join(dir, "o\u2028.db")}, runArgs,
			`(env INJECTKIT_OUTBOX): holds the non-printable character U+2028`},
		{"outbox flush, XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "s\x1b[31m\nFORGED")},
			[]string{"outbox", "flush", "--backend-url", be.URL, "--token", "tok"}, `invalid XDG_STATE_HOME "`},
	}
	// A message file's path is quoted the same way in its refusal.
	msgDir := t.TempDir()
	msg := filepath.Join(msgDir, "m\x1b[31m\nFORGED.json")
	if err := os.WriteFile(msg, []byte(`{"injection":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name string
		env  map[string]string
		args []string
		want string
	}{"run --openaev-message", nil, []string{"run", "--openaev-message", msg, "--outbox", "none"},
		`openaev message "` + msgDir + `/m\x1b[31m\nFORGED.json": invalid message: injection.inject_id is missing`})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"HOME": dir}
			for k, v := range tt.env {
				env[k] = v
			}
			before := len(be.got())
			r := run(t, registry(), env, tt.args...)
			checkRefused(t, r, tt.want)
			if strings.ContainsAny(r.stderr+r.stdout, "\x1b\u202e\u200d\u2028\u2029") || !utf8.ValidString(r.stderr+r.stdout) || strings.Contains(r.stderr+r.stdout, "\nFORGED") {
				t.Errorf("the path printed raw: stdout %q, stderr %q", r.stdout, r.stderr)
			}
			if n := len(be.got()) - before; n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				t.Errorf("%s created", e.Name())
			}
		})
	}
}

// An outbox path holding a space other than U+0020 (a no-break space, a
// thin space, an ideographic space: Unicode's Zs), from any source, is a
// path like any other: a run whose delivery fails stores its body there
// and says where, the path as written, and outbox list reads it.
func TestOutboxPathSpacesAccepted(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	runArgs := []string{"run", "noop", "--target", "10.0.0.1", "--inject-id", "inj-sp", "--backend-url", be.URL, "--token", "tok", "--log-level", "error"}
	for _, space := range []string{"\u00a0", "\u2009", "\u3000"} {
		tests := []struct {
			name string
			env  func(dir string) map[string]string
			args func(dir string) []string
			box  func(dir string) string // the outbox's path
		}{
			{"--outbox", nil,
				func(dir string) []string { return []string{"--outbox", filepath.Join(dir, "o"+space+"b.db")} },
				func(dir string) string { return filepath.Join(dir, "o"+space+"b.db") }},
			{"env INJECTKIT_OUTBOX", func(dir string) map[string]string {
				return map[string]string{"INJECTKIT_OUTBOX": filepath.Join(dir, "o"+space+"b.db")}
			}, nil, func(dir string) string { return filepath.Join(dir, "o"+space+"b.db") }},
			{"config file", nil, func(dir string) []string {
				cfg := filepath.Join(dir, "c.yaml")
				if err := os.WriteFile(cfg, []byte("outbox: '"+filepath.Join(dir, "o"+space+"b.db")+"'\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				return []string{"--config", cfg}
			}, func(dir string) string { return filepath.Join(dir, "o"+space+"b.db") }},
			{"XDG_STATE_HOME", func(dir string) map[string]string {
				return map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "s"+space+"t")}
			}, nil, func(dir string) string { return filepath.Join(dir, "s"+space+"t", "injectkit", "outbox.db") }},
			{"HOME", func(dir string) map[string]string {
				return map[string]string{"XDG_STATE_HOME": "", "HOME": filepath.Join(dir, "h"+space+"m")}
			}, nil, func(dir string) string {
				return filepath.Join(dir, "h"+space+"m", ".local", "state", "injectkit", "outbox.db")
			}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s %U", tt.name, []rune(space)[0]), func(t *testing.T) {
				dir := t.TempDir()
				env := map[string]string{"HOME": dir}
				if tt.env != nil {
					for k, v := range tt.env(dir) {
						env[k] = v
					}
				}
				args := runArgs
				if tt.args != nil {
					args = append(runArgs[:len(runArgs):len(runArgs)], tt.args(dir)...)
				}
				box := tt.box(dir)
				r := run(t, registry(), env, args...)
				if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, "stored in outbox "+box+" ") {
					t.Fatalf("exit %d, stderr %q; want %d and the body stored in %q", r.code, r.stderr, cli.ExitDelivery, box)
				}
				if _, err := os.Stat(box); err != nil {
					t.Fatal(err)
				}
				listArgs := []string{"outbox", "list"}
				if tt.args != nil {
					listArgs = append(listArgs, tt.args(dir)...)
				}
				if r := run(t, registry(), env, listArgs...); r.code != 0 || !strings.Contains(r.stdout, "inj-sp") {
					t.Errorf("outbox list: exit %d, stdout %q, stderr %q; want 0 and the stored body", r.code, r.stdout, r.stderr)
				}
			})
		}
	}
}

// An outbox command given the outbox "none" has no outbox to work on: it
// exits 2 naming where "none" was given (the flag, the environment
// variable, the config file's line), and sends nothing.
func TestOutboxCommandsOnNoneNameItsSource(t *testing.T) {
	conf := writeFile(t, "on.yaml", "log_level: error\noutbox: none\n")
	const none = `invalid outbox "none"`
	tests := []refusal{
		{"list, env", map[string]string{"INJECTKIT_OUTBOX": "none"}, []string{"list"}, none + " (env INJECTKIT_OUTBOX): no outbox to work on"},
		{"list, flag", nil, []string{"list", "--outbox", "none"}, none + " (--outbox): no outbox to work on"},
		{"flush, config file", nil, []string{"flush", "--config", conf}, none + " (config file " + conf + ":2): no outbox to work on"},
		{"flush, env", map[string]string{"INJECTKIT_OUTBOX": "none"}, []string{"flush"}, none + " (env INJECTKIT_OUTBOX): no outbox to work on"},
		{"drop, config file", nil, []string{"drop", "1", "--config", conf}, none + " (config file " + conf + ":2): no outbox to work on"},
		{"drop, env", map[string]string{"INJECTKIT_OUTBOX": "none"}, []string{"drop", "1"}, none + " (env INJECTKIT_OUTBOX): no outbox to work on"},
		{"retry-dead, flag", nil, []string{"retry-dead", "1", "--outbox", "none"}, none + " (--outbox): no outbox to work on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := transporttest.NewBackend(t)
			args := append([]string{"outbox"}, tt.args...)
			if tt.args[0] == "flush" || tt.args[0] == "retry-dead" {
				args = append(args, "--backend-url", backend.URL, "--token", "tok")
			}
			r := run(t, registry(), tt.env, args...)
			checkRefused(t, r, tt.want)
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}

// A relative HOME (HOME=.) as the default outbox's directory is refused,
// exit 2 naming it, by every command that would use that outbox: the
// outbox would move with the working directory, and a flush run
// elsewhere would not find the bodies a run kept. An absolute
// XDG_STATE_HOME or an --outbox makes HOME unused, and nothing refused.
func TestOutboxRelativeHomeRefused(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	t.Chdir(t.TempDir()) // where a relative HOME would put the outbox
	const rel = "relative-home"
	runArgs := []string{"run", "noop", "--target", "10.0.0.1", "--inject-id", "inj-rh", "--backend-url", be.URL, "--token", "tok", "--log-level", "error"}
	want := func(home string) string {
		return `invalid HOME "` + home + `" (environment, the default outbox's directory): not an absolute path, so the outbox would move with the working directory`
	}
	tests := []refusal{
		{"run, HOME=.", map[string]string{"HOME": "."}, runArgs, want(".")},
		{"run", map[string]string{"HOME": rel}, runArgs, want(rel)},
		{"run, relative XDG_STATE_HOME too", map[string]string{"HOME": rel, "XDG_STATE_HOME": "state"}, runArgs, want(rel)},
		{"validate", map[string]string{"HOME": rel}, []string{"validate", "noop", "--target", "10.0.0.1", "--inject-id", "inj-rh", "--backend-url", be.URL, "--token", "tok"}, want(rel)},
		{"outbox list", map[string]string{"HOME": rel}, []string{"outbox", "list"}, want(rel)},
		{"outbox flush", map[string]string{"HOME": rel}, []string{"outbox", "flush", "--backend-url", be.URL, "--token", "tok"}, want(rel)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"XDG_STATE_HOME": ""}
			maps.Copy(env, tt.env)
			r := run(t, registry(), env, tt.args...)
			checkRefused(t, r, tt.want)
			if len(be.got()) != 0 {
				t.Errorf("%d requests sent, want none", len(be.got()))
			}
			for _, p := range []string{rel, ".local"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s created under the working directory", p)
				}
			}
		})
	}
	for name, env := range map[string]map[string]string{
		"absolute XDG_STATE_HOME": {"HOME": rel, "XDG_STATE_HOME": t.TempDir()},
		"--outbox":                {"HOME": rel, "XDG_STATE_HOME": "", "INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "o.db")},
	} {
		if r := run(t, registry(), env, runArgs...); r.code != 0 {
			t.Errorf("%s: exit %d, want 0: %s", name, r.code, r.stderr)
		}
	}
}

// An outbox that is no regular file (a directory here) is refused by
// every command; only run and serve, where none keeps no outbox, offer
// none in the refusal: the outbox commands refuse none ("no outbox to work
// on"), and offered it all the same.
func TestOutboxNotAFileOffersNoneOnlyWhereItKeepsNone(t *testing.T) {
	dir := t.TempDir()
	const file = ": a directory, not a regular file: give an outbox file's path"
	const none = ", or none to keep no outbox"
	for _, tt := range []struct {
		args  []string
		offer bool
	}{
		{[]string{"run", "noop", "--target", "127.0.0.1"}, true},
		{[]string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10", "--token", "tok"}, true},
		{[]string{"outbox", "list"}, false},
		{[]string{"outbox", "flush", "--backend-url", "http://127.0.0.1:1"}, false},
		{[]string{"outbox", "drop", "1"}, false},
		{[]string{"outbox", "compact"}, false},
		{[]string{"outbox", "retry-dead", "1", "--backend-url", "http://127.0.0.1:1"}, false},
		{[]string{"outbox", "move", "--from", "http://a.example.com", "--to", "http://b.example.com"}, false},
	} {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			r := run(t, registry(), nil, append(tt.args, "--outbox", dir)...)
			want := `invalid outbox "` + dir + `" (--outbox)` + file
			if tt.offer {
				want += none
			}
			checkRefused(t, r, want+"\n")
			if !tt.offer && strings.Contains(r.stderr, none) {
				t.Errorf("offers none, which it refuses: %s", r.stderr)
			}
		})
	}
}

// A default outbox that cannot be made (HOME relative, or neither HOME
// nor XDG_STATE_HOME set) is refused by every command; only run (and
// serve), where none keeps no outbox, offer --outbox none in the refusal:
// the outbox commands refuse none, and offered it all the same.
func TestOutboxNoDefaultOffersNoneOnlyWhereItKeepsNone(t *testing.T) {
	t.Chdir(t.TempDir())
	const none = "--outbox none"
	for _, env := range []map[string]string{{"HOME": ".", "XDG_STATE_HOME": ""}, {"XDG_STATE_HOME": ""}} {
		for _, tt := range []struct {
			args  []string
			offer bool
		}{
			{[]string{"run", "noop", "--target", "127.0.0.1", "--backend-url", "http://127.0.0.1:1", "--inject-id", "x", "--token", "tok"}, true},
			{[]string{"outbox", "list"}, false},
			{[]string{"outbox", "flush", "--backend-url", "http://127.0.0.1:1", "--token", "tok"}, false},
			{[]string{"outbox", "drop", "1"}, false},
			{[]string{"outbox", "compact"}, false},
			{[]string{"outbox", "move", "--from", "http://a.example.com", "--to", "http://b.example.com"}, false},
		} {
			t.Run(strings.Join(tt.args[:2], " ")+" HOME="+env["HOME"], func(t *testing.T) {
				r := run(t, registry(), env, tt.args...)
				want := `invalid outbox "": no default without XDG_STATE_HOME or HOME (set --outbox`
				if env["HOME"] != "" {
					want = `invalid HOME "." (environment, the default outbox's directory): not an absolute path`
				}
				checkRefused(t, r, want)
				if got := strings.Contains(r.stderr, none); got != tt.offer {
					t.Errorf("offers %s: %v, want %v: %s", none, got, tt.offer, r.stderr)
				}
			})
		}
	}
}

// An outbox the file system will not let be made (its directory a regular
// file here; a read-only mount or a directory of another user the same)
// was refused with the system's error alone: run and serve now say that
// nothing ran, was sent or stored, and the two ways on (a writable path,
// or none); the outbox commands, which refuse none, do not offer it.
func TestOutboxUnmakeableSaysNothingRan(t *testing.T) {
	notDir := writeFile(t, "not-a-dir", "x")
	box := filepath.Join(notDir, "outbox.db")
	const said = "nothing ran, nothing was sent or stored: the outbox must be a file this user can create and write (--outbox PATH), or --outbox none"
	for _, tt := range []struct {
		args  []string
		offer bool
	}{
		{[]string{"run", "noop", "--target", "127.0.0.1", "--backend-url", "http://127.0.0.1:1", "--inject-id", "x", "--token", "tok-12345678"}, true},
		{[]string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10", "--token", "tok-12345678", "--injectors", "noop"}, true},
		{[]string{"outbox", "flush", "--backend-url", "http://127.0.0.1:1", "--token", "tok-12345678"}, false},
		{[]string{"outbox", "compact"}, false},
	} {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			r := run(t, registry(), nil, append(tt.args, "--outbox", box, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, box) || !strings.Contains(r.stderr, "not a directory") {
				t.Fatalf("exit %d, want 2 naming %s and the system's refusal:\n%s", r.code, box, r.stderr)
			}
			if got := strings.Contains(r.stderr, said); got != tt.offer {
				t.Errorf("says %q: %t, want %t:\n%s", said, got, tt.offer, r.stderr)
			}
		})
	}
}
