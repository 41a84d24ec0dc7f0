//go:build unix

package e2e_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
)

// A daemon stopped (SIGSTOP) longer than its broker connection lives finds,
// once it runs again, the messages the broker pushed to its socket before
// it gave the connection up and handed them to another consumer: it must
// not run them. Seen from outside first: three daemons on one queue, one
// stopped 75 s, two injects run twice and completed twice on the platform.
// Here the connection goes through a proxy whose broker end the test cuts
// while the daemon stands still, as the broker's heartbeat timeout cuts
// it, its end reaching the client only later (a partition, or its RST
// read after the deliveries before it), and the test takes the messages
// as the other consumer.
func TestIntegrationMessagesHeldAcrossAStallAreNotRun(t *testing.T) {
	p, queue := setup(t)
	b := servetest.Broker(t)
	px := newCutProxy(t, net.JoinHostPort(b.Host, strconv.Itoa(b.Port)))
	b.Host, b.Port = "127.0.0.1", px.port()
	p.SetBroker(servetest.PlatformBroker(b, queue))

	c := startConsumer(t, "serve-stalled", p.URL)
	waitConsumers(t, queue, 1)
	ids, bodies := injects(t, p, "stalled", 4, "0s")

	pid := c.Cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, pid)
	stopped := time.Now()
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	servetest.Publish(t, queue, bodies...)
	testkit.WaitFor(t, 30*time.Second, "the broker pushing the messages to the stopped daemon", func() bool {
		ready, _ := servetest.Counts(t, queue)
		return ready == 0
	})
	px.cut() // the broker's end of the connection closes: it takes the messages back
	var taken [][]byte
	testkit.WaitFor(t, 30*time.Second, "the broker taking the messages back", func() bool {
		taken = append(taken, servetest.Take(t, queue)...)
		return len(taken) == len(bodies)
	})
	// The stall lasts past the daemon's notice of one (3 s), as the
	// broker's heartbeat timeout (20 s and more) does.
	time.Sleep(4*time.Second - time.Since(stopped))
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 90*time.Second, "the daemon consuming again", func() bool {
		return strings.Count(c.Stderr.String(), `"msg":"consuming"`) == 2
	})
	if got := c.logged("message received"); len(got) > 0 {
		t.Errorf("the daemon ran messages the broker had given to another consumer: %v", got)
	}
	done := completions(p)
	for _, id := range ids {
		if done[id] > 0 {
			t.Errorf("inject %s completed %d times on the platform; the other consumer took it", id, done[id])
		}
	}
	if n := strings.Count(c.Stderr.String(), "the daemon stood still longer than its broker connection lived"); n != 1 {
		t.Errorf("%d lines say the stall, want 1:\n%s", n, testkit.Tail(c.Stderr.String(), 20))
	}
}

// waitStopped waits until every thread of the process pid is stopped
// (state T in /proc/PID/task/*/stat). kill(2) returns once SIGSTOP is
// queued; the group stop starts only when the thread the kernel gave it
// to runs, which a thread asleep in fdatasync or waiting for a CPU on a
// loaded machine does later, and meanwhile the other threads run on: a
// daemon took and ran four messages published after the kill. Without
// /proc (not Linux) it returns at once.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	if _, err := os.Stat(dir); err != nil {
		return
	}
	testkit.WaitFor(t, 30*time.Second, "every thread of the daemon stopped", func() bool {
		tasks, err := os.ReadDir(dir)
		if err != nil || len(tasks) == 0 {
			return false
		}
		for _, task := range tasks {
			stat, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
			i := bytes.LastIndexByte(stat, ')') // the state follows the command's name
			if err != nil || i < 0 || i+2 >= len(stat) || (stat[i+2] != 'T' && stat[i+2] != 't') {
				return false
			}
		}
		return true
	})
}

// cutProxy forwards loopback TCP connections to a target, new ones as
// before after a cut.
type cutProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &cutProxy{ln: ln}
	t.Cleanup(func() { _ = ln.Close(); px.close(func(int) bool { return true }) })
	go func() {
		for {
			in, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			} else if err != nil {
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			px.mu.Lock()
			px.conns = append(px.conns, in, out)
			px.mu.Unlock()
			go func() {
				_, _ = io.Copy(out, in)
				_ = out.Close()
				_, _ = io.Copy(io.Discard, in) // cut: what the client says reaches no one
			}()
			go func() { _, _ = io.Copy(in, out) }()
		}
	}()
	return px
}

func (px *cutProxy) port() int { return px.ln.Addr().(*net.TCPAddr).Port }

// cut closes the broker's end of each connection open, as a broker does
// when the heartbeats of its client stop: the broker takes the messages
// it had pushed back. The client's end stays open and hears nothing more,
// as a client's socket does when the broker's close does not reach it:
// only the client's own heartbeat timeout ends it.
func (px *cutProxy) cut() { px.close(func(i int) bool { return i%2 == 1 }) }

func (px *cutProxy) close(which func(int) bool) {
	px.mu.Lock()
	defer px.mu.Unlock()
	for i, c := range px.conns {
		if which(i) {
			_ = c.Close()
		}
	}
}
