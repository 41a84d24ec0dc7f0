package main

// Linux alone kills a child with its parent (PR_SET_PDEATHSIG), and has
// /proc to tell a zombie from a process that runs.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// alive reports whether pid runs: it exists and is not a zombie waiting
// for its new parent to reap it.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state …: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// nmap runs in a process group of its own (the terminal's Ctrl-C is
// injectkit's to handle), so nothing but injectkit kills it: an injectkit
// that dies without cancelling the run (kill -9; a second signal exits at
// once) must not leave nmap scanning on its own.
func TestBinaryNmapDiesWithInjectkit(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "nmap.pid")
	fake := "#!/bin/sh\necho $$ > " + pidFile + "\nexec sleep 120\n"
	if err := os.WriteFile(filepath.Join(dir, "nmap"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "nmap", "--target", "127.0.0.1", "--outbox", "none", "-o", "json", "--log-level", "error")
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "CONTAINER_IP=172.17.0.2")
	p := testkit.Start(t, cmd)
	var pid int
	testkit.WaitFor(t, time.Minute, "the fake nmap to start", func() bool {
		b, err := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	p.Stop(t, syscall.SIGKILL, time.Minute)
	testkit.WaitFor(t, time.Minute, "nmap to die with injectkit", func() bool { return !alive(pid) })
}
