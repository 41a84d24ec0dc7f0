package nmap

import (
	"context"
	"io"
	"maps"
	"slices"
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
