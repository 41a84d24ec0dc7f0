//go:build unix

package filekind

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// DirExposure judges a real directory by its mode and owner.
func TestDirExposure(t *testing.T) {
	tests := []struct {
		name  string
		mode  os.FileMode
		owner int // chown to it (needs root), 0: left
		want  []string
	}{
		{"0700", 0o700, 0, nil},
		{"0755", 0o755, 0, nil},
		{"0775", 0o775, 0, []string{"writable by group without the sticky bit (mode 0775)"}},
		{"0757", 0o757, 0, []string{"writable by others without the sticky bit (mode 0757)"}},
		{"0777", 0o777, 0, []string{"writable by group and others without the sticky bit (mode 0777)"}},
		{"01777", 0o777 | os.ModeSticky, 0, nil},
		{"another user's 0700", 0o700, 65534, []string{"owned by uid 65534, not this process's (uid 0)"}},
		{"another user's 0777", 0o777, 65534, []string{"owned by uid 65534, not this process's (uid 0)",
			"writable by group and others without the sticky bit (mode 0777)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testkit.OwnedDir(t, tt.mode, tt.owner)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = "its directory " + dir + " is " + w
			}
			if got := DirExposure(dir); !slices.Equal(got, want) {
				t.Errorf("DirExposure = %q, want %q", got, want)
			}
		})
	}
	if got := DirExposure(filepath.Join(t.TempDir(), "none")); got != nil {
		t.Errorf("DirExposure of no directory = %q, want none", got)
	}
}
