package main

import (
	"os"
	"testing"
)

// TestMain runs the tests with GORACE=atexit_sleep_ms=0: the serve
// daemons the harness starts (built with -race by testkit.Build, their
// environment this one's) would each sleep a second before exiting, the
// race detector's atexit_sleep_ms (1000 by default); a GORACE of the
// user's own is still read after ours.
func TestMain(m *testing.M) {
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	os.Exit(m.Run())
}
