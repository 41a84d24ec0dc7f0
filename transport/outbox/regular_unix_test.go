//go:build unix

package outbox

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Open refuses at once a path naming something other than a regular
// file: a FIFO is never opened (its opening would wait for a writer).
func TestOpenNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		ro   bool
		want string
	}{
		{fifo, false, "outbox " + fifo + ": a FIFO (named pipe), not a regular file"},
		{fifo, true, "outbox " + fifo + ": a FIFO (named pipe), not a regular file"},
		{link, false, "outbox " + link + ": a FIFO (named pipe), not a regular file"},
		{os.DevNull, false, "outbox " + os.DevNull + ": a character device, not a regular file"},
		{dir, false, "outbox " + dir + ": a directory, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			s, err := Open(tt.path, Options{ReadOnly: tt.ro})
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}
