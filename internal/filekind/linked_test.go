//go:build unix

package filekind_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/internal/filekind"
)

// LinkedDir names the directory of the file a link names only when it is
// another directory than the link's: a plain file, a link within its own
// directory and a dangling link name none.
func TestLinkedDir(t *testing.T) {
	top := t.TempDir()
	here, there := filepath.Join(top, "here"), filepath.Join(top, "there")
	for _, d := range []string{here, there} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	file, other := filepath.Join(here, "f"), filepath.Join(there, "f")
	for _, f := range []string{file, other} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{"same": file, "elsewhere": other, "dangling": filepath.Join(there, "none")}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(here, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ name, want string }{
		{"f", ""}, {"same", ""}, {"elsewhere", there}, {"dangling", ""},
	} {
		if got := filekind.LinkedDir(filepath.Join(here, tt.name), here); got != tt.want {
			t.Errorf("LinkedDir(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
