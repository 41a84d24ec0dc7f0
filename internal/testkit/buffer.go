package testkit

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is a bytes.Buffer safe to read while another goroutine, or a
// process it is the output of, writes to it. Its Signal fires on each
// write.
type Buffer struct {
	Signal

	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.b.Write(p)
	b.mu.Unlock()
	b.Notify()
	return n, err
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// AwaitText waits until what was written holds s, and fails t when
// timeout passes first.
func (b *Buffer) AwaitText(t testing.TB, timeout time.Duration, s string) {
	t.Helper()
	if !Within(timeout, func() bool { return strings.Contains(b.String(), s) }, &b.Signal) {
		t.Fatalf("timed out after %v waiting for %q in:\n%s", timeout, s, b.String())
	}
}
