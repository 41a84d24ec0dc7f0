package nmap

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

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
