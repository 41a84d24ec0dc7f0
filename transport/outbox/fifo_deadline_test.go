package outbox

import (
	"testing"
	"time"
)

// fifoDeadline bounds a call that a FIFO planted beside the outbox would
// keep waiting for a writer, should a change let it open one: long enough
// for a loaded machine, short of go test's own timeout (10 minutes).
const fifoDeadline = 30 * time.Second

// noHang runs f, which must not wait on a FIFO, and fails the test when it
// has not returned within fifoDeadline instead of hanging CI until go
// test's timeout. f reports with t.Error, not t.Fatal (it runs in a
// goroutine of its own); a call still blocked is abandoned.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(fifoDeadline)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s still blocked after %s: waiting on the FIFO planted there?", what, fifoDeadline)
	}
}
