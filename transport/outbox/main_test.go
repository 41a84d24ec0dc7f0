package outbox

import (
	"os"
	"testing"
)

// TestMain runs the package's tests. The starts, attempts, liveness and
// lock tests start this test binary again as a child; built with -race,
// a child exiting 0 slept a second first (the race detector's
// atexit_sleep_ms, 1000 by default; TestLockedStaleRecord,
// TestAliveZombieAndReusedPid): they exit at once, a GORACE of the
// user's own still read after ours.
func TestMain(m *testing.M) {
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	os.Exit(m.Run())
}
