//go:build unix

package main_test

// A process group of its own, found and ended: unix only.

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// raceBuildEnv is the environment the tests run bench-w1 in: its builds
// (injectkit, benchsink, benchfloor) with -race and no build tags, as go test -race and testkit.Build build
// the packages of every other test, so that they link what the build
// cache holds. Built as the script builds by default (no -race,
// urfave_cli_no_docs), every package was compiled again: 119 s of the
// first subtest's 123 on a loaded machine, the WaitFor below ticking. What
// the tests check (the script's traps and its printed counts) does not
// depend on how the binaries are built; the race detector's one-second
// sleep at exit (atexit_sleep_ms) is left out of each W1 run.
// They are written to binDir (BIN_DIR), never to the checkout's bin/,
// where make test left a race build of bin/injectkit for a user to run.
func raceBuildEnv() []string {
	return append(os.Environ(), "GOFLAGS=-race "+os.Getenv("GOFLAGS"), "TAGS=", "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"),
		"BIN_DIR="+binDir)
}

// binDir holds the tests' builds of bench-w1's binaries, one directory for
// the package's tests: a build up to date is not linked again.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "benchsink-bin")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// leavesBinAlone fails t unless, when t ends, the checkout's bin/ (root's)
// holds what it held when t began, and bench-w1 built its binaries in
// binDir instead.
func leavesBinAlone(t *testing.T, root string) {
	t.Helper()
	state := func() map[string]string {
		files := map[string]string{}
		entries, err := os.ReadDir(filepath.Join(root, "bin"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				files[e.Name()] = fmt.Sprint(fi.Size(), fi.ModTime(), fi.Mode())
			}
		}
		return files
	}
	before := state()
	t.Cleanup(func() {
		if after := state(); !maps.Equal(before, after) {
			t.Errorf("the checkout's bin/ changed: %v before, %v after", before, after)
		}
		for _, name := range []string{"injectkit", "benchsink", "benchfloor"} {
			if _, err := os.Stat(filepath.Join(binDir, name)); err != nil {
				t.Errorf("bench-w1 did not build %s in BIN_DIR: %v", name, err)
			}
		}
	})
}

// A bench-w1 stopped by SIGTERM while awk writes its targets (from make,
// as `timeout 25 make bench-w1 …` stops it, or itself) removes its work
// directory and leaves nothing running: awk, in the foreground, outlived
// the script and wrote into the removed directory's file until done.
func TestBenchW1StoppedWhileWritingTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds injectkit and writes 10 000 000 targets")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cmd  []string
	}{
		{"the script", []string{"bash", "scripts/bench-w1.sh", "10000000", "1"}},
		{"make", []string{"make", "--no-print-directory", "bench-w1", "N=10000000", "RUNS=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			leavesBinAlone(t, root)
			cmd := exec.Command(tt.cmd[0], tt.cmd[1:]...)
			cmd.Dir = root
			cmd.Env = append(raceBuildEnv(), "TMPDIR="+tmp, "OUTBOX=on")
			// Its own process group: what is left of it is found, and
			// ended at the end of the test.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pgid := cmd.Process.Pid
			t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
			testkit.WaitFor(t, 5*time.Minute, "awk to write targets", func() bool {
				m, _ := filepath.Glob(filepath.Join(tmp, "*", "targets.txt"))
				if len(m) == 0 {
					return false
				}
				fi, err := os.Stat(m[0])
				return err == nil && fi.Size() > 0
			})
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err == nil {
				t.Error("exit 0 after SIGTERM")
			}
			if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("a process of the run is still running after it exited (kill -0: %v)", err)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("work directory %s left", left[0].Name())
			}
		})
	}
}

// bench-w1's lines end with the counts the other jobs of a shared machine
// hardly move (the outbox's share of W1's wall time went from 2 % to 19 %
// between runs of one build): each label's CPU, MB written and minor
// faults, and the outbox's share of W1's CPU. W1 writes its outbox; the
// floor writes nothing.
func TestBenchW1PrintsCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds injectkit and runs W1")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	leavesBinAlone(t, root)
	cmd := exec.Command("bash", "scripts/bench-w1.sh", "500", "1")
	cmd.Dir = root
	cmd.Env = append(raceBuildEnv(), "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench-w1: %v\n%s", err, out)
	}
	label := regexp.MustCompile(`(?m)^(W1|W1-none|floor)\s+N=500 .* cpu=[0-9.]+s wMB=([0-9.]+) minflt=[0-9.]+$`)
	wrote := map[string]string{}
	for _, m := range label.FindAllStringSubmatch(string(out), -1) {
		wrote[m[1]] = m[2]
	}
	for _, tc := range []struct {
		label  string
		writes bool
	}{
		{"W1", true},
		{"W1-none", false},
		{"floor", false},
	} {
		w, ok := wrote[tc.label]
		mb, _ := strconv.ParseFloat(w, 64)
		switch {
		case !ok:
			t.Errorf("no %s line ending with cpu=, wMB= and minflt= in:\n%s", tc.label, out)
		case tc.writes && mb == 0:
			t.Errorf("%s wrote wMB=%s, want its outbox's pages counted", tc.label, w)
		case tc.label == "floor" && mb != 0:
			t.Errorf("floor wrote wMB=%s, want 0: it writes no file", w)
		}
	}
	if !regexp.MustCompile(`(?m)^N=500 .* outbox_share=-?[0-9]+% outbox_cpu_share=-?[0-9]+%$`).Match(out) {
		t.Errorf("no last line with outbox_cpu_share= in:\n%s", out)
	}
	// Its figures are a race build's (raceBuildEnv), and it says so.
	if !regexp.MustCompile(`(?m)^bench-w1: WARN built with -race .*/injectkit .*/benchsink .*/benchfloor$`).Match(out) {
		t.Errorf("no WARN naming the race builds in:\n%s", out)
	}
}
