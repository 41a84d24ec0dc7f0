package testkit

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zapcore"
)

func TestWaitForSignal(t *testing.T) {
	// With a signal, the wait ends when the change is notified; without,
	// at the next check, up to 50 ms later.
	for _, signalled := range []bool{true, false} {
		t.Run(fmt.Sprint("signalled ", signalled), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var s Signal
				var done atomic.Bool
				go func() {
					time.Sleep(time.Second)
					done.Store(true)
					s.Notify()
				}()
				start := time.Now()
				var on []*Signal
				if signalled {
					on = append(on, &s)
				}
				WaitFor(t, time.Minute, "done", done.Load, on...)
				waited := time.Since(start)
				if signalled && waited != time.Second || !signalled && (waited <= time.Second || waited > time.Second+maxPoll) {
					t.Errorf("waited %v", waited)
				}
			})
		})
	}
}

// fatalTB records a Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper()                        {}
func (f *fatalTB) Fatalf(format string, a ...any) { f.msg = fmt.Sprintf(format, a...) }

func TestWaitForTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fatalTB{TB: t}
		start := time.Now()
		WaitFor(f, 3*time.Second, "nothing", func() bool { return false })
		if time.Since(start) != 3*time.Second || !strings.Contains(f.msg, "timed out after 3s waiting for nothing") {
			t.Errorf("after %v: %q", time.Since(start), f.msg)
		}
	})
}

func TestListen(t *testing.T) {
	l := Listen(t, "tcp4", "127.0.0.1:0", "hello\r\n")
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", l.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello\r\n" {
		t.Errorf("greeting %q, %v", line, err)
	}
	select {
	case <-l.Accepted():
	case <-time.After(time.Minute):
		t.Fatal("no connection accepted")
	}
	closed := ClosedPort(t, "tcp4", "127.0.0.1:0")
	for _, host := range []string{"127.0.0.1", "::1"} {
		addr := net.JoinHostPort(host, strconv.Itoa(closed))
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("closed port %d accepted a connection on %s", closed, addr)
		}
		// Held for the test: nothing else may listen there.
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			t.Errorf("closed port %d could be listened on, on %s", closed, addr)
		}
	}
	// The port of a loopback listener is closed on the other loopback.
	if c, err := net.Dial("tcp6", net.JoinHostPort("::1", strconv.Itoa(l.Port))); err == nil {
		c.Close()
		t.Errorf("port %d of 127.0.0.1 is open on ::1", l.Port)
	}
}

// SeenFrom gives the address a connection to a loopback target comes
// from, an IPv4-mapped target's as an IPv4 address.
func TestSeenFrom(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"127.0.0.1", "127.0.0.1"},
		{"::ffff:127.0.0.1", "127.0.0.1"},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			if got := SeenFrom(t, tt.addr); got != tt.want {
				t.Errorf("SeenFrom(%s) = %s, want %s", tt.addr, got, tt.want)
			}
		})
	}
}

func TestBuffer(t *testing.T) {
	var b Buffer
	go func() {
		for i := range 3 {
			fmt.Fprintf(&b, "line %d\n", i)
		}
	}()
	b.AwaitText(t, time.Minute, "line 2")
	if b.String() != "line 0\nline 1\nline 2\n" {
		t.Errorf("buffer %q", b.String())
	}
	f := &fatalTB{TB: t}
	b.AwaitText(f, time.Millisecond, "line 3")
	if !strings.Contains(f.msg, `waiting for "line 3"`) {
		t.Errorf("fatal %q", f.msg)
	}
}

func TestLogger(t *testing.T) {
	log, logs := Logger()
	log.Debug("d")
	warn, warns := LoggerAt(zapcore.WarnLevel)
	warn.Info("i")
	warn.Warn("w")
	if logs.Len() != 1 || warns.Len() != 1 || warns.All()[0].Message != "w" {
		t.Errorf("%v %v", logs.All(), warns.All())
	}
}

func TestConcurrently(t *testing.T) {
	var calls atomic.Int32
	f := &errorTB{TB: t}
	Concurrently(f, 8, func(i int) error {
		calls.Add(1)
		if i%3 == 0 {
			return fmt.Errorf("failed %d", i)
		}
		return nil
	})
	if calls.Load() != 8 || len(f.errs) != 3 || f.errs[1] != "call 3: failed 3" {
		t.Errorf("%d calls, errors %q", calls.Load(), f.errs)
	}
}

// errorTB records Errorf calls.
type errorTB struct {
	testing.TB
	errs []string
}

func (f *errorTB) Helper()                        {}
func (f *errorTB) Errorf(format string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(format, a...)) }

func TestProcess(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name   string
		script string
		code   int
	}{
		{"exits 0 on the signal", `trap 'echo bye >&2; exit 0' TERM; echo ready >&2; while :; do sleep 0.01; done`, 0},
		{"exits 3 on the signal", `trap 'exit 3' TERM; echo ready >&2; while :; do sleep 0.01; done`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Start(t, exec.Command(sh, "-c", tt.script))
			if p.Name != "sh" {
				t.Errorf("Name = %q, want the command's base name", p.Name)
			}
			p.Stderr.AwaitText(t, time.Minute, "ready")
			if p.State() != "running" {
				t.Fatalf("state %q", p.State())
			}
			ctx, cancel := p.Context(context.Background())
			defer cancel()
			if code := p.Stop(t, syscall.SIGTERM, time.Minute); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			<-ctx.Done() // ended with the process
			if !strings.HasPrefix(p.State(), "exited") || (p.Err() == nil) != (tt.code == 0) {
				t.Errorf("state %q, err %v", p.State(), p.Err())
			}
		})
	}
}

func TestTail(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "a\nb\nc"}, {-1, "a\nb\nc"}, {2, "b\nc"}, {5, "a\nb\nc"},
	} {
		if got := Tail("a\nb\nc\n", tt.n); got != tt.want {
			t.Errorf("Tail(_, %d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// A process still running when Stop times out gets SIGQUIT, and the
// failure holds what it printed on it (a Go program's goroutines) and the
// end of what it printed before.
func TestProcessStopTimeoutQuits(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	script := `trap '' TERM; trap 'echo goroutine 1 [chan send]: >&2; exit 2' QUIT; echo ready >&2; while :; do sleep 0.01; done`
	p := Start(t, exec.Command(sh, "-c", script))
	p.Stderr.AwaitText(t, time.Minute, "ready")
	f := &fatalTB{TB: t}
	if code := p.Stop(f, syscall.SIGTERM, 50*time.Millisecond); code != -1 {
		t.Errorf("exit %d on a timeout, want -1", code)
	}
	for _, want := range []string{"sh still running 50ms after terminated; exited on SIGQUIT", "ended:\nready\n",
		"after SIGQUIT (a Go program's goroutines):\ngoroutine 1 [chan send]:"} {
		if !strings.Contains(f.msg, want) {
			t.Errorf("failure lacks %q:\n%s", want, f.msg)
		}
	}
	if !strings.HasPrefix(p.State(), "exited") {
		t.Errorf("state %q after SIGQUIT", p.State())
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"}, {"abcdef", 2, "[4 bytes before]...ef"}, {"", 2, ""},
	} {
		if got := clip(tt.s, tt.n); got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
