package outbox

import (
	"os"
	"path/filepath"
	"testing"
)

// The outbox file a creation links into place is a durable name before a
// body is stored in it: its directory is fsync'd once the link exists
// (strace of a first `injectkit run` showed linkat, then the bodies'
// fdatasyncs and POSTs, and no fsync of the directory: a power cut could
// lose the file with the bodies it holds). A file another process
// created meanwhile is that process's to sync.
func TestCreateSyncsTheLinkBeforeAnyBody(t *testing.T) {
	for _, tt := range []struct {
		name   string
		exists bool // another process created the file meanwhile
		want   []string
	}{
		{"created here", false, []string{"linked"}},
		{"created meanwhile", true, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "outbox.db")
			if tt.exists {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s := &Store{path: path, claims: map[uint64]bool{}, runs: map[uint64]string{}}
			var synced []string
			s.hooks.dirSynced = func(d string) {
				state := "not linked"
				if _, err := os.Stat(path); err == nil {
					state = "linked"
				}
				if d != dir {
					state = "another directory: " + d
				}
				synced = append(synced, state)
			}
			if err := s.create(); err != nil {
				t.Fatal(err)
			}
			if len(synced) != len(tt.want) || len(synced) > 0 && synced[0] != tt.want[0] {
				t.Errorf("the directory synced: %q, want %q", synced, tt.want)
			}
		})
	}
}
