//go:build unix

package cloudscan

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

// TestOwnGroupCancelOfAGroupGone: cancelling a helper whose group is
// already gone (it ended, its shell was reaped) is a process done, which
// exec does not make Wait's error, not ESRCH, which it would.
func TestOwnGroupCancelOfAGroupGone(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "sh", "-c", "exit 0")
	ownGroup(cmd)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Cancel(); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Cancel after the group ended: %v, want os.ErrProcessDone", err)
	}
}
