package httpx

import (
	"context"
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// r13 finding 2: an attempt whose timeout ends it while it still
// connects (net/http then returns the context's error, no dial error)
// never sent its request: it is not counted as unanswered.
func TestPosterDialTimeoutNotUnanswered(t *testing.T) {
	addr := fullListener(t)
	p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 2, Timeout: 200 * time.Millisecond}
	_, err := p.Do(context.Background(), Request{Op: "callback", URL: "http://" + addr + "/x", Body: []byte(`{}`)})
	var he *HTTPError
	if !errors.As(err, &he) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %v, want the attempts' timeouts", err)
	}
	if he.Unanswered != 0 {
		t.Errorf("Unanswered = %d for %d attempts that never connected, want 0", he.Unanswered, he.Attempts)
	}
}

// fullListener returns the address of a loopback socket listening with
// an accept queue it fills and never accepts from: Linux drops the SYN of
// a new connect, which hangs until the client gives up.
func fullListener(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	for range 8 { // until a connect hangs: the queue is full
		c, err := net.DialTimeout("tcp4", addr, 100*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	t.Fatalf("the accept queue of %s never filled", addr)
	return ""
}
