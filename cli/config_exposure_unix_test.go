//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A config file others may read (holding a secret) or change (whatever
// it holds: they would repoint backend_url) is used, but said so, naming
// the file and its mode, never the secret; one only its owner reads is
// used silently.
func TestConfigFileOthersWarned(t *testing.T) {
	const secret = "CFGTOKEN-secret-1234567890"
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		owner   int // chown to it (needs root), 0: left
		want    string
	}{
		{"token 0600", "token: " + secret + "\n", 0o600, 0, ""},
		{"token 0644", "token: " + secret + "\n", 0o644, 0, "holding a secret and readable by group and others (mode 0644)"},
		{"token 0640", "token: " + secret + "\n", 0o640, 0, "holding a secret and readable by group (mode 0640)"},
		{"token 0604", "token: " + secret + "\n", 0o604, 0, "holding a secret and readable by others (mode 0604)"},
		{"no secret 0644", "log_level: info\n", 0o644, 0, ""},
		{"no secret 0666", "log_level: info\n", 0o666, 0, "writable by group and others (mode 0666): they may change backend_url"},
		{"no secret 0620", "log_level: info\n", 0o620, 0, "writable by group (mode 0620)"},
		{"another user's", "log_level: info\n", 0o644, 65534, "owned by uid 65534, not this process's (uid 0)"},
		// A URL's password is a secret as the token is: it goes as a
		// Basic Authorization header.
		{"backend_url's password 0644", "backend_url: http://u:" + secret + "@127.0.0.1:1\n", 0o644, 0, "holding a secret and readable by group and others (mode 0644)"},
		{"openaev_url's password 0640", "openaev_url: https://u:" + secret + "@127.0.0.1:1\n", 0o640, 0, "holding a secret and readable by group (mode 0640)"},
		{"backend_url without one 0644", "backend_url: http://127.0.0.1:1\n", 0o644, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.owner != 0 && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			dir := t.TempDir()
			cfg := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(cfg, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(cfg, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.owner != 0 {
				if err := os.Chown(cfg, tt.owner, tt.owner); err != nil {
					t.Fatal(err)
				}
			}
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": filepath.Join(dir, "outbox.db")}, "outbox", "list", "--config", cfg)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			checkWarned(t, r.stderr, "config file others may read or change", tt.want, cfg)
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the secret printed:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// A config file whose directory others may write to (without the sticky
// bit) or is another user's is used, but said so, naming the directory
// and its mode: they may put another file in its place, whatever the
// file's own mode. One in a directory only its owner writes to, or a
// sticky one (/tmp), is used silently.
func TestConfigDirOthersWarned(t *testing.T) {
	tests := []struct {
		name  string
		mode  os.FileMode
		owner int // chown the directory to it (needs root), 0: left
		want  string
	}{
		{"dir 0700", 0o700, 0, ""},
		{"dir 0755", 0o755, 0, ""},
		{"dir 0775", 0o775, 0, "is writable by group without the sticky bit (mode 0775): they may put another config file in its place"},
		{"dir 0777", 0o777, 0, "is writable by group and others without the sticky bit (mode 0777): they may put another config file in its place"},
		{"dir 01777", 0o777 | os.ModeSticky, 0, ""},
		{"dir of another user", 0o755, 65534, "is owned by uid 65534, not this process's (uid 0): they may put another config file in its place"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testkit.OwnedDir(t, tt.mode, tt.owner)
			cfg := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(cfg, []byte("log_level: info\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": filepath.Join(filepath.Dir(dir), "outbox.db")}, "outbox", "list", "--config", cfg)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			checkWarned(t, r.stderr, "config file others may read or change", tt.want, "its directory "+dir+" ")
		})
	}
}

// A config file given by a link (--config /etc/injectkit/serve.yaml, a
// link to a file elsewhere) is the file it names: a directory others may
// write to holding that file lets them put another file in its place as
// much as one holding the link does, and is said so, naming it; a link
// whose file lies in a directory only its owner writes to is used silently.
func TestConfigLinkedFileDirOthersWarned(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode // of the directory holding the file the link names
		want string
	}{
		{"file's dir 0755", 0o755, ""},
		{"file's dir 0777", 0o777, "is writable by group and others without the sticky bit (mode 0777): they may put another config file in its place"},
		{"file's dir 01777", 0o777 | os.ModeSticky, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := t.TempDir()
			shared, link := linkedFile(t, top, "c.yaml", tt.mode, func(cfg string) {
				if err := os.WriteFile(cfg, []byte("log_level: info\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			})
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": filepath.Join(top, "outbox.db")}, "outbox", "list", "--config", link)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			checkWarned(t, r.stderr, "config file others may read or change", tt.want, "its directory "+shared+" ")
		})
	}
}

// injectors reads the config file (it shows the settings it gives) and
// says so of one others may read or change as the other commands do,
// whether or not an unknown INJECTKIT_ variable is there too: the WARN
// was written only beside that one's.
func TestInjectorsConfigFileOthersWarned(t *testing.T) {
	const secret = "CFGTOKEN-secret-1234567890"
	for _, tt := range []struct {
		name string
		mode os.FileMode
		env  map[string]string
		want string
	}{
		{"token 0600", 0o600, nil, ""},
		{"token 0644", 0o644, nil, "holding a secret and readable by group and others (mode 0644)"},
		{"token 0644, a stray variable", 0o644, map[string]string{"INJECTKIT_VERSION": "1"}, "holding a secret and readable by group and others (mode 0644)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeFile(t, "c.yaml", "token: "+secret+"\n")
			if err := os.Chmod(cfg, tt.mode); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"injectors"}, {"injectors", "noop"}} {
				r := run(t, registry(), tt.env, append(args, "--config", cfg)...)
				if r.code != 0 {
					t.Fatalf("%v: exit %d:\n%s", args, r.code, r.stderr)
				}
				warned := strings.Contains(r.stderr, "config file others may read or change")
				if warned != (tt.want != "") || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("%v: stderr:\n%s\nwant a warning saying %q: %t, never the secret", args, r.stderr, tt.want, tt.want != "")
				}
			}
		})
	}
}

// checkWarned fails t unless stderr holds the warning headed head, saying
// want and naming named, when want is given, and no such warning when want
// is "".
func checkWarned(t *testing.T, stderr, head, want, named string) {
	t.Helper()
	warned := strings.Contains(stderr, head)
	if warned != (want != "") || !strings.Contains(stderr, want) || warned && !strings.Contains(stderr, named) {
		t.Errorf("stderr:\n%s\nwant a warning naming %q and %q: %t", stderr, named, want, want != "")
	}
}

// linkedFile writes a file named name with write in the directory
// top/shared, sets that directory's mode, and returns it with a link to
// the file from another directory of top, only its owner's.
func linkedFile(t *testing.T, top, name string, mode os.FileMode, write func(path string)) (shared, link string) {
	t.Helper()
	shared, linkDir := filepath.Join(top, "shared"), filepath.Join(top, "link")
	for _, d := range []string{shared, linkDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(shared, name)
	write(file)
	if err := os.Chmod(shared, mode); err != nil {
		t.Fatal(err)
	}
	link = filepath.Join(linkDir, name)
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	return shared, link
}
