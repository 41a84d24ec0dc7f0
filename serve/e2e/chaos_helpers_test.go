package e2e_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// The chaos run's machinery: daemons that die and come back on their own
// outbox. The accounting of what the platform ended up with is in
// chaos_accounting_test.go, the platform that fails callbacks in
// chaos_proxy_test.go.

// chaosSeed is INJECTKIT_CHAOS_SEED when set (to replay a run), else a
// fresh seed.
func chaosSeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("INJECTKIT_CHAOS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("INJECTKIT_CHAOS_SEED=%q: %v", s, err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// random 0–50 ms, and returns their ids and queue messages.
func chaosInjects(t *testing.T, p *openaevtest.Platform, rng *rand.Rand, n int) (ids []string, bodies [][]byte) {
	t.Helper()
	return injectsLasting(t, p, "%s-%04d", "chaos", n, func() string { return fmt.Sprintf("%dms", rng.IntN(51)) })
}

// slot is one daemon of the run: its outbox file stays across the
// processes that play it, one after the other.
type slot struct {
	name   string
	outbox string
	procs  []*daemonProc
}

// daemonProc is one `injectkit serve` process of a slot. The test keeps
// its logs its own way (saveLogs, history in the failure message), so a
// failure does not log them whole.
type daemonProc struct {
	*testkit.Process
	started  time.Time
	killedAt time.Time // when it got SIGKILL; zero otherwise
	termed   bool      // stopped with SIGTERM
}

func (s *slot) cur() *daemonProc {
	if len(s.procs) == 0 {
		return nil
	}
	return s.procs[len(s.procs)-1]
}

// up reports whether the slot's current process runs.
func (s *slot) up() bool {
	c := s.cur()
	if c == nil {
		return false
	}
	select {
	case <-c.Exited():
		return false
	default:
		return true
	}
}

// died returns the current process when it exited on its own.
func (s *slot) died() *daemonProc {
	c := s.cur()
	if c == nil || !c.killedAt.IsZero() || c.termed || s.up() {
		return nil
	}
	return c
}

// start starts a new process for the slot: its own outbox file, its own
// metrics port, the platform at platformURL.
func (s *slot) start(t *testing.T, platformURL string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--openaev-url", platformURL, "--injector-id", injectorID,
		"--injector-name", s.name, "--injectors", "noop", "--outbox", s.outbox, "--workers", strconv.Itoa(chaosWorkers),
		"--listen-addr", "127.0.0.1:0", "--heartbeat-interval", "5s", "--shutdown-timeout", "20s",
		"--log-format", "json", "--log-level", "debug", // the callbacks' lines counted are DEBUG in serve
		// The stand-in processes each callback before its answer (the
		// legacy ingestion's timing): nothing to wait for after a 200.
		"--openaev-ingest-window", "0")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INJECTKIT_") { // no configuration but this one
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "INJECTKIT_TOKEN="+token, "CONTAINER_IP=172.17.0.2")
	c := &daemonProc{Process: testkit.Start(t, cmd), started: time.Now()}
	c.Name, c.LogLines = fmt.Sprintf("%s.%d", s.name, len(s.procs)), -1
	s.procs = append(s.procs, c)
}

// waitConsuming waits until the current process consumes the queue.
func (s *slot) waitConsuming(t *testing.T, timeout time.Duration) {
	t.Helper()
	c := s.cur()
	consuming := func() bool { return strings.Contains(c.Stderr.String(), `"msg":"consuming"`) }
	testkit.Within(timeout, func() bool { return consuming() || !s.up() }, &c.Stderr.Signal)
	if !consuming() {
		t.Fatalf("%s not consuming after %s (%s):\n%s", c.Name, timeout, c.State(), testkit.Tail(c.Stderr.String(), 20))
	}
}

// kill sends SIGKILL to the current process and reaps it.
func (s *slot) kill(t *testing.T) {
	t.Helper()
	c := s.cur()
	c.killedAt = time.Now()
	if err := c.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s: %v", c.Name, err)
	}
	<-c.Exited()
}

// termAll stops the current process of every slot with SIGTERM, all at
// once, and reports an exit code other than 0.
func termAll(t *testing.T, slots []*slot) {
	t.Helper()
	for _, s := range slots {
		c := s.cur()
		c.termed = true
		_ = c.Cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, s := range slots {
		c := s.cur()
		select {
		case <-c.Exited():
		case <-time.After(60 * time.Second):
			t.Fatalf("%s did not stop within 60s of SIGTERM", c.Name)
		}
		var ee *exec.ExitError
		switch err := c.Err(); {
		case errors.As(err, &ee):
			t.Errorf("%s exited %d after SIGTERM, want 0:\n%s", c.Name, ee.ExitCode(), testkit.Tail(c.Stderr.String(), 10))
		case err != nil:
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// killTimes lists when each killed process died, in seconds from begin.
func killTimes(slots []*slot, begin time.Time) string {
	var out []string
	for _, s := range slots {
		for _, c := range s.procs {
			if !c.killedAt.IsZero() {
				out = append(out, fmt.Sprintf("%s@%.1fs", c.Name, c.killedAt.Sub(begin).Seconds()))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// saveLogs writes every daemon's log to $INJECTKIT_CHAOS_LOGS/<process>.log
// when that variable names a directory.
func saveLogs(t *testing.T, slots []*slot) {
	dir := os.Getenv("INJECTKIT_CHAOS_LOGS")
	if dir == "" {
		return
	}
	for _, s := range slots {
		for _, c := range s.procs {
			if err := os.WriteFile(filepath.Join(dir, c.Name+".log"), []byte(c.Stderr.String()), 0o644); err != nil {
				t.Logf("save logs: %v", err)
				return
			}
		}
	}
	t.Logf("daemon logs saved in %s", dir)
}
