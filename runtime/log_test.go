package runtime_test

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// The runtime scopes its logger to an inject once a run (its fields
// encoded once), and every line of the run, its delivery's included,
// carries the inject's id and injector.
func TestRunScopesItsLoggerOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *recorder
		last string
	}{
		{"delivered", &recorder{}, "delivered"},
		{"delivery failed", &recorder{err: errors.New("down")}, "delivery failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.InfoLevel)
			n := new(atomic.Int32)
			rt, _ := newRuntime(t, &frameworktest.Executor{}, tc.d, runtime.WithLogger(zap.New(testkit.ScopeCounting{Core: core, N: n})))
			_, _ = rt.Run(context.Background(), runtime.Request{InjectID: "i-1", Injector: "fake", Targets: loopback()})
			if got := n.Load(); got != 1 {
				t.Errorf("logger scoped %d times in a run, want once", got)
			}
			all := logs.All()
			if len(all) == 0 || all[len(all)-1].Message != tc.last {
				t.Fatalf("lines %v, want the last one %q", all, tc.last)
			}
			for _, e := range all {
				if m := e.ContextMap(); m["inject_id"] != "i-1" || m["injector"] != "fake" {
					t.Errorf("%q carries %v, want inject_id i-1 and injector fake", e.Message, m)
				}
			}
		})
	}
}

// A long message is cut at MaxLoggedMessage bytes, back to the start of a
// rune the cut would split (never more than a rune's bytes back: bytes
// that are not UTF-8 are cut where they stand), and says how much was cut.
func TestLoggedMessageCut(t *testing.T) {
	const limit = runtime.MaxLoggedMessage
	tests := []struct {
		name string
		msg  string
		want string // the start kept
		cut  int    // bytes cut
	}{
		{"whole", strings.Repeat("x", limit), strings.Repeat("x", limit), 0},
		{"ascii", strings.Repeat("x", limit+5), strings.Repeat("x", limit), 5},
		{"on a boundary", strings.Repeat("é", limit/2+1), strings.Repeat("é", limit/2), 2},
		{"splitting é", "x" + strings.Repeat("é", limit/2+1), "x" + strings.Repeat("é", limit/2-1), 4},
		{"splitting a 4-byte rune after 3", strings.Repeat("x", limit-3) + "😀" + "tail", strings.Repeat("x", limit-3), 8},
		{"splitting a 4-byte rune after 1", strings.Repeat("x", limit-1) + "😀" + "tail", strings.Repeat("x", limit-1), 8},
		{"not UTF-8", strings.Repeat("\x80", 9000), strings.Repeat("\x80", limit), 9000 - limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runtime.LoggedMessage(tt.msg, nil)
			want := tt.want
			if tt.cut > 0 {
				want += "… (" + strconv.Itoa(tt.cut) + " bytes cut)"
			}
			if got != want {
				t.Errorf("got %d bytes ending %q, want %d ending %q", len(got), got[max(0, len(got)-40):], len(want), want[max(0, len(want)-40):])
			}
		})
	}
}

// TestRunExecutedLine checks the counts the "executed" line gives: the
// results the executor reported as it went (Inject.Partial) under a name
// that does not read as if a successful run's results were partial, and
// the targets it did not reach, only when there are some.
func TestRunExecutedLine(t *testing.T) {
	tests := []struct {
		name      string
		results   int
		unreached bool
		want      map[string]any // the counts of the line (zap.Int: int64)
	}{
		{"a success reporting its results", 2, false, map[string]any{"results_reported": int64(2)}},
		{"a target not reached", 0, true, map[string]any{"results_reported": int64(0), "not_reached": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &frameworktest.Executor{Run: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				for range tt.results {
					in.Partial("10.0.0.1:22/tcp open ssh")
				}
				var out framework.ToolOutput
				if tt.unreached {
					out.Unreached = map[framework.Target]string{{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.2"}}: "not scanned"}
				}
				return out
			}}
			rt, logs := newRuntime(t, ex, &recorder{})
			if _, err := rt.Run(context.Background(), runtime.Request{Injector: "fake",
				Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2"}}}); err != nil {
				t.Fatal(err)
			}
			lines := logs.FilterMessage("executed").All()
			if len(lines) != 1 {
				t.Fatalf("%d executed lines", len(lines))
			}
			got := map[string]any{}
			for k, v := range lines[0].ContextMap() {
				if k == "results_reported" || k == "not_reached" || k == "partial_results" {
					got[k] = v
				}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("executed line counts %v, want %v", got, tt.want)
			}
		})
	}
}

// An unknown injector's name and a refused inject id are the caller's
// input, as long as its command line or inject file allows (a 3 000-byte
// name made a 3 343-byte WARN "inject rejected", a 3 000-byte id 3 248):
// the lines of a run carry the name cut at signatures.MaxQuoted bytes, as
// the error quotes it, and the id past the longest valid one.
func TestLoggedInjectorNameCut(t *testing.T) {
	long := strings.Repeat("a", 3000)
	for _, tc := range []struct{ name, id, injector, wantID, want string }{
		{"known", "i-1", "fake", "i-1", "fake"},
		{"unknown, at the limit", "i-1", long[:signatures.MaxQuoted], "i-1", long[:signatures.MaxQuoted]},
		{"unknown, past it", "i-1", long, "i-1", long[:signatures.MaxQuoted] + "…"},
		{"id at the limit", long[:signatures.MaxIDLength], "fake", long[:signatures.MaxIDLength], "fake"},
		{"id past it", long, "fake", long[:signatures.MaxIDLength] + "…", "fake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, logs := newRuntime(t, &frameworktest.Executor{}, &recorder{})
			_, _ = rt.Run(context.Background(), runtime.Request{InjectID: tc.id, Injector: tc.injector, Targets: loopback()})
			if logs.Len() == 0 {
				t.Fatal("no line logged")
			}
			for _, e := range logs.All() {
				m := e.ContextMap()
				if got := m["injector"]; got != tc.want {
					t.Errorf("%q carries injector of %d bytes, want %d", e.Message, len(got.(string)), len(tc.want))
				}
				if got := m["inject_id"]; got != tc.wantID {
					t.Errorf("%q carries inject_id of %d bytes, want %d", e.Message, len(got.(string)), len(tc.wantID))
				}
			}
		})
	}
}
