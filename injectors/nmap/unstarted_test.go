package nmap

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A target whose scan never started (the deadline, a cancellation or a
// kill came before it) is listed in unstarted_targets, in the inject's
// order: nmap was never given it, unlike a target of a scan cut short.
// Every scan started lists none. Each target never given to nmap is
// named not reached (ToolOutput.Unreached), with why; a target of a scan
// cut short is not (nmap may have been probing it).
func TestExecuteListsTargetsNeverScanned(t *testing.T) {
	mixed := replay("testdata/mixed")
	cases := []struct {
		name      string
		cancelled bool // ctx cancelled before Execute
		// ipv4 runs the IPv4 scan (cancel ends ctx); the IPv6 scan
		// replays testdata/mixed.
		ipv4      func(cancel context.CancelFunc) error
		status    framework.ExecutionStatus
		want      []string
		unreached map[string]string // target → why
	}{
		{"cancelled before any scan", true, nil, framework.StatusTimeout, []string{"::1", "127.0.0.2"},
			map[string]string{"::1": whyCutBefore, "127.0.0.2": whyCutBefore}},
		{"deadline during the IPv4 scan", false, func(cancel context.CancelFunc) error {
			cancel()
			return context.Canceled
		}, framework.StatusTimeout, []string{"::1"}, map[string]string{"::1": whyCutBefore}},
		{"IPv4 scan killed", false, func(context.CancelFunc) error {
			return &ExitError{Code: 137, Signal: syscall.SIGKILL}
		}, framework.StatusFailed, []string{"::1"}, map[string]string{"::1": whyStoppedBefore}},
		{"every scan run", false, nil, framework.StatusSuccess, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			run := func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
				if !slices.Contains(args, "-6") && tc.ipv4 != nil {
					return tc.ipv4(cancel)
				}
				return mixed(ctx, args, stdin, stdout, stderr)
			}
			if tc.cancelled {
				cancel()
			}
			in, _ := newInject(t, &Params{Ports: "18100-18102", ScanType: "connect", Timing: 4}, "::1", "127.0.0.2")
			out := newTestExecutor(run).Execute(ctx, in)
			if out.Status != tc.status {
				t.Errorf("status %s, want %s (%+v)", out.Status, tc.status, out.ErrorInfo)
			}
			checkUnreached(t, in, out, tc.unreached)
			got, listed := out.Findings[FieldUnstartedTargets]
			if tc.want == nil {
				if listed {
					t.Errorf("unstarted_targets %v, want none", got)
				}
				return
			}
			if g, _ := got.([]string); !slices.Equal(g, tc.want) {
				t.Errorf("unstarted_targets %#v, want %q", got, tc.want)
			}
		})
	}
}

// checkUnreached fails t unless out names not reached exactly the targets
// of in that want maps, by address, to their reasons (nil: none), and no
// target that is not in's.
func checkUnreached(t *testing.T, in *framework.Inject, out framework.ToolOutput, want map[string]string) {
	t.Helper()
	var unreached map[string]string
	for tg, why := range out.Unreached {
		if !slices.Contains(in.Targets, tg) {
			t.Errorf("not reached: %s, no target of the inject", tg)
		}
		if unreached == nil {
			unreached = map[string]string{}
		}
		nc, _ := tg.Network()
		unreached[nc.Value()] = why
	}
	if !maps.Equal(unreached, want) {
		t.Errorf("not reached %q, want %q", unreached, want)
	}
}

// A scan nmap never ran (not installed, not startable) or quit before it
// started (no report, or fatal()'s bare <nmaprun>: testdata/quit) sent no
// packet: its targets are named not reached, with why, and the run stays
// failed. One nmap killed, or one that quit once its scan had started
// (testdata/quit_scanning), may have probed them: they are not named. The
// targets of an earlier scan keep theirs.
func TestExecuteNamesTargetsOfAScanNeverRun(t *testing.T) {
	// Either scan replays the one capture (nmap.*), -6 or not.
	anyScan := func(r runFunc) runFunc {
		return func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
			return r(ctx, slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "-6" }), stdin, stdout, stderr)
		}
	}
	quit, scanning := anyScan(replay("testdata/quit")), anyScan(replay("testdata/quit_scanning"))
	mixed := replay("testdata/mixed")
	refused := func(_ context.Context, _ []string, _ io.Reader, _, stderr io.Writer) error {
		said := "nmap: unrecognized option '--bogus'\nSee the output of nmap -h for a summary of options.\n"
		_, _ = io.WriteString(stderr, said)
		return &ExitError{Code: 255, Stderr: said}
	}
	fails := func(err error) runFunc {
		return func(context.Context, []string, io.Reader, io.Writer, io.Writer) error { return err }
	}
	with := func(why string, ts ...string) map[string]string {
		m := map[string]string{}
		for _, t := range ts {
			m[t] = why
		}
		return m
	}
	cases := []struct {
		name       string
		ipv4, ipv6 runFunc // nil: testdata/mixed replayed
		code       int
		unreached  map[string]string // target → why; nil: none
	}{
		{"nmap refuses its arguments", refused, refused, 255, with(whyQuit, "127.0.0.2", "::1")},
		{"nmap quits before its scan starts", quit, quit, 1, with(whyQuit, "127.0.0.2", "::1")},
		{"the IPv6 scan quits before it starts", nil, quit, 1, with(whyQuit, "::1")},
		{"nmap quits once its scan started", scanning, scanning, 1, nil},
		{"nmap not installed", fails(fmt.Errorf("%w: exec: not found", ErrNotInstalled)), nil, ExitNotInstalled,
			with(whyNotInstalled, "127.0.0.2", "::1")},
		{"nmap cannot start", fails(fmt.Errorf("%w: fork: resource temporarily unavailable", errStart)), nil, ExitCannotRun,
			with(whyCannotRun, "127.0.0.2", "::1")},
		{"the IPv6 scan cannot start", nil, fails(fmt.Errorf("%w: fork: resource temporarily unavailable", errStart)), ExitCannotRun,
			with(whyCannotRun, "::1")},
		{"nmap killed before it wrote anything", fails(&ExitError{Code: 137, Signal: syscall.SIGKILL}), nil, 137,
			with(whyStoppedBefore, "::1")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
				r := tc.ipv4
				if slices.Contains(args, "-6") {
					r = tc.ipv6
				}
				if r == nil {
					r = mixed
				}
				return r(ctx, args, stdin, stdout, stderr)
			}
			in, _ := newInject(t, &Params{Ports: "18100-18102", ScanType: "connect", Timing: 4}, "127.0.0.2", "::1")
			out := newTestExecutor(run).Execute(context.Background(), in)
			if out.Status != framework.StatusFailed || out.ErrorInfo == nil || out.ErrorInfo.ExitCode != tc.code {
				t.Errorf("status %s (%+v), want failed with exit code %d", out.Status, out.ErrorInfo, tc.code)
			}
			checkUnreached(t, in, out, tc.unreached)
		})
	}
}

// An inject Execute refuses itself (a runtime refuses it first) ran
// nothing: every target is named not reached.
func TestExecuteRefusedNamesEveryTarget(t *testing.T) {
	in, _ := newInject(t, &Params{Ports: "18100", ScanType: "connect", Timing: 4}, "127.0.0.2", "::1")
	in.Params = &Params{Ports: "18100", ScanType: ScanSYN, Timing: 4}
	e := newTestExecutor(neverRun(t))
	e.privileges = func() privileges { return asUser }
	out := e.Execute(context.Background(), in)
	if out.Status != framework.StatusFailed || out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitInvalidInput {
		t.Errorf("status %s (%+v), want failed with exit code %d", out.Status, out.ErrorInfo, ExitInvalidInput)
	}
	want := map[framework.Target]string{in.Targets[0]: whyRefused, in.Targets[1]: whyRefused}
	if !maps.Equal(out.Unreached, want) {
		t.Errorf("not reached %v, want %v", out.Unreached, want)
	}
}

// A PATH entry "." or empty resolves nmap to the working directory
// (exec.ErrDot): the run is refused saying so, exit 126 as for an nmap
// that cannot start, and Preflight (serve's start WARN) says the same;
// it is not reported as an nmap that is not executable. The nmap there
// is never run. Not parallel: PATH and the working directory are the
// process's.
func TestRunnerRefusesNmapInTheWorkingDirectory(t *testing.T) {
	for _, tt := range []struct{ name, entry string }{{"dot", "."}, {"empty", ""}} {
		t.Run(tt.name, func(t *testing.T) {
			wd := t.TempDir()
			ran := filepath.Join(wd, "ran")
			if err := os.WriteFile(filepath.Join(wd, "nmap"), []byte("#!/bin/sh\ntouch '"+ran+"'\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(wd)
			t.Setenv("PATH", t.TempDir()+string(os.PathListSeparator)+tt.entry)
			const want = `a PATH entry "." or empty resolves nmap to the working directory, which is refused`
			in, _ := newInject(t, nil, "127.0.0.1")
			out := New().Execute(context.Background(), in)
			if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitCannotRun || !strings.Contains(out.ErrorInfo.Message, want) ||
				strings.Contains(out.ErrorInfo.Message, "not executable") {
				t.Errorf("ErrorInfo = %+v, want exit %d saying %q", out.ErrorInfo, ExitCannotRun, want)
			}
			if err := New().Preflight(); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Preflight = %v, want it saying %q", err, want)
			}
			if _, err := os.Stat(ran); err == nil {
				t.Error("the nmap of the working directory ran")
			}
		})
	}
}
