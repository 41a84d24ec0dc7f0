//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// An outbox another user may control (its file theirs or writable by
// group or others, its directory theirs or writable by others without
// the sticky bit) is used, but said so at once, naming the path and what
// is wrong, ssh-style; one only this user controls is used silently.
func TestOutboxOthersControlWarned(t *testing.T) {
	tests := []struct {
		name  string
		root  bool // needs root (a chown)
		setup func(dir, box string) error
		want  string // "" for no warning
	}{
		{"own 0600", false, func(string, string) error { return nil }, ""},
		{"file 0666", false, func(_, box string) error { return os.Chmod(box, 0o666) }, "the file is writable by group and others (mode 0666)"},
		{"file 0620", false, func(_, box string) error { return os.Chmod(box, 0o620) }, "the file is writable by group (mode 0620)"},
		{"file of another user", true, func(_, box string) error { return os.Chown(box, 65534, 65534) }, "the file is owned by uid 65534, not this process's (uid 0)"},
		{"dir 0777", false, func(dir, _ string) error { return os.Chmod(dir, 0o777) }, "is writable by group and others without the sticky bit (mode 0777)"},
		{"dir 01777", false, func(dir, _ string) error { return os.Chmod(dir, 0o777|os.ModeSticky) }, ""},
		{"dir of another user", true, func(dir, _ string) error { return os.Chown(dir, 65534, 65534) }, "is owned by uid 65534, not this process's (uid 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			dir := filepath.Join(t.TempDir(), "box")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			box := filepath.Join(dir, "outbox.db")
			storeBodies(t, box, outbox.Entry{InjectID: "inj-a", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)})
			if err := tt.setup(dir, box); err != nil {
				t.Fatal(err)
			}
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "list")
			if r.code != 0 || !strings.Contains(r.stdout, "1 pending") {
				t.Fatalf("exit %d, want 0 and the body listed:\n%s%s", r.code, r.stdout, r.stderr)
			}
			checkWarned(t, r.stderr, "outbox others may control", tt.want, box)
		})
	}
}

// A dangling symbolic link as the outbox's path is refused (exit 2),
// nothing created where it points, whoever planted it.
func TestOutboxDanglingLinkRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "chosen-by-another.db")
	box := filepath.Join(dir, "outbox.db")
	if err := os.Symlink(target, box); err != nil {
		t.Fatal(err)
	}
	r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--inject-id", "i1",
		"--backend-url", "http://127.0.0.1:1", "--outbox", box)
	want := `invalid outbox "` + box + `" (--outbox): a symbolic link to "` + target + `", which does not exist`
	if r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want 2 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Errorf("the link's target: %v, want it not created", err)
	}
}

// An outbox given by a link to a file in a directory others may write to
// is said so too, naming that directory: whoever may write there puts
// another outbox file in its place, its bodies posted with this process's
// token, as much as in the link's own directory.
func TestOutboxLinkedFileDirOthersWarned(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode // of the directory holding the file the link names
		want string
	}{
		{"file's dir 0700", 0o700, ""},
		{"file's dir 0777", 0o777, "is writable by group and others without the sticky bit (mode 0777)"},
		{"file's dir 01777", 0o777 | os.ModeSticky, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shared, box := linkedFile(t, t.TempDir(), "outbox.db", tt.mode, func(file string) {
				storeBodies(t, file, outbox.Entry{InjectID: "inj-a", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)})
			})
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "list")
			if r.code != 0 || !strings.Contains(r.stdout, "1 pending") {
				t.Fatalf("exit %d, want 0 and the body listed:\n%s%s", r.code, r.stdout, r.stderr)
			}
			checkWarned(t, r.stderr, "outbox others may control", tt.want, "its directory "+shared+" ")
		})
	}
}
