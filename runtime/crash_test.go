package runtime_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A crash timestamp before the run's start, or after now, goes to the
// platform clamped to the start, or to now, with one WARN line that
// carries the inject's fields, as the run's other lines do; one in
// between goes as it is, without a WARN.
func TestCrashTimestampClampedWithTheInjectFields(t *testing.T) {
	start := testClock
	now := testClock.Add(time.Minute)
	tests := []struct {
		name    string
		crash   time.Time
		wantEnd time.Time
		warn    string // "": none
	}{
		{"before the start", start.Add(-time.Hour), start, "end time before the run's start"},
		{"in the future", now.Add(time.Hour), now, "end time after now"},
		{"between the start and now", start.Add(30 * time.Second), start.Add(30 * time.Second), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The run starts at start; Execute returns at now.
			rep, logs := runFrom(t, start, func(setClock func(time.Time)) framework.ToolOutput {
				setClock(now)
				return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2,
					Message: "crashed", CrashTimestamp: tt.crash.Format(time.RFC3339)}}
			})
			if got, want := values(t, rep, 0)["end_time"], tt.wantEnd.UTC().Format(signatures.TimeFormat); got != want {
				t.Errorf("end_time sent %v, want %s", got, want)
			}
			warns := logs.FilterMessageSnippet("end time").All()
			if tt.warn == "" {
				if len(warns) != 0 {
					t.Errorf("clamp lines %v, want none", warns)
				}
				return
			}
			lines := logs.FilterMessageSnippet(tt.warn).All()
			if len(lines) != 1 || len(warns) != 1 {
				t.Fatalf("%d %q lines of %d clamp lines, want 1: %v", len(lines), tt.warn, len(warns), logs.All())
			}
			if f := lines[0].ContextMap(); f["inject_id"] != "inj-1" || f["injector"] != "fake" {
				t.Errorf("the clamp line's fields are %v, want inject_id inj-1 and injector fake", f)
			}
		})
	}
}

// An executor that panics a fraction of a second into its run reports a
// window [start_time, end_time] that is not empty: the crash time keeps
// its fraction and the end is rounded up from it, a second after the
// start, like the end of any other run.
func TestPanicWithinTheFirstSecondEndsAfterTheStart(t *testing.T) {
	start := testClock.Add(200 * time.Millisecond)
	crash := testClock.Add(600 * time.Millisecond)
	rep, _ := runFrom(t, start, func(setClock func(time.Time)) framework.ToolOutput {
		setClock(crash)
		panic("boom")
	})
	if rep.Output.ErrorInfo == nil {
		t.Fatalf("output %+v, want the panic's error info", rep.Output)
	}
	if got, err := time.Parse(time.RFC3339Nano, rep.Output.ErrorInfo.CrashTimestamp); err != nil || !got.Equal(crash) {
		t.Errorf("crash timestamp %q, want %s", rep.Output.ErrorInfo.CrashTimestamp, crash.Format(time.RFC3339Nano))
	}
	v := values(t, rep, 0)
	if s, e := v["start_time"], v["end_time"]; s == nil || e == nil || e.(string) <= s.(string) {
		t.Errorf("start_time %v, end_time %v: want an end after the start", s, e)
	}
}

// runFrom runs inject inj-1 of fake on loopback() with the runtime's and
// the signatures' clock at start; exec, the executor's run, may move the
// clock with setClock (to when it returns, or panics). It returns the
// report and the run's observed logs.
func runFrom(t *testing.T, start time.Time, exec func(setClock func(time.Time)) framework.ToolOutput) (*runtime.Report, *observer.ObservedLogs) {
	t.Helper()
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	ex := &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
		return exec(func(at time.Time) { clock.Store(at.UnixNano()) })
	}}
	tick := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	sigs := signatures.NewManager(signatures.WithClock(tick),
		signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "172.17.0.2" }}))
	rt, logs := newRuntime(t, ex, &recorder{}, runtime.WithSignatures(sigs), runtime.WithClock(tick))
	rep, err := rt.Run(context.Background(), runtime.Request{InjectID: "inj-1", Injector: "fake", Targets: loopback()})
	if err != nil {
		t.Fatal(err)
	}
	return rep, logs
}

// hooked is an executor whose every optional method panics when its name
// is the one in panics.
type hooked struct {
	frameworktest.Executor
	panics string
}

type hookedParams struct {
	Port   int `json:"port"`
	panics string
}

func (p *hookedParams) Validate() error {
	if p.panics == "Validate" {
		panic("bad validate")
	}
	return nil
}

func (h *hooked) hit(method string) {
	if h.panics == method {
		panic("bad " + strings.ToLower(method))
	}
}

func (h *hooked) NewParams() any { h.hit("NewParams"); return &hookedParams{panics: h.panics} }
func (h *hooked) ValidateTargets([]framework.Target) error {
	h.hit("ValidateTargets")
	return nil
}
func (h *hooked) ValidateParams(any) error          { h.hit("ValidateParams"); return nil }
func (h *hooked) Configure(map[string]string) error { h.hit("Configure"); return nil }
func (h *hooked) Close() error                      { h.hit("Close"); return nil }
func (h *hooked) SendsToTargets() bool              { h.hit("SendsToTargets"); return true }
func (h *hooked) ReadsTargetsOnly() bool            { h.hit("ReadsTargetsOnly"); return true }

// A panic of an executor's checks is recovered as a panic of Execute: the
// executor does not run, and the inject's signatures report a failure that
// names the injector and the method.
func TestRunRecoversPanicOfChecks(t *testing.T) {
	for _, method := range []string{"ReadsTargetsOnly", "ValidateTargets", "NewParams", "Validate", "ValidateParams", "Configure", "SendsToTargets"} {
		t.Run(method, func(t *testing.T) {
			ex := &hooked{panics: method}
			rec := &recorder{}
			rt, _ := newRuntime(t, ex, rec)
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(ex.Calls()) != 0 {
				t.Error("the executor ran after its check panicked")
			}
			if len(rec.reports) != 1 {
				t.Fatalf("delivered %d reports, want 1", len(rec.reports))
			}
			msg := rep.Output.ErrorInfo.Message
			if rep.Status != signatures.StatusFailed || !strings.Contains(msg, "injector fake") || !strings.Contains(msg, method+" panicked") {
				t.Errorf("status %q message %q: want failed, naming the injector and %s", rep.Status, msg, method)
			}
			if got := values(t, rep, 0)["execution_status"]; got != "failed" {
				t.Errorf("signature execution_status = %v", got)
			}
		})
	}
}

// A panic of Close, once the report is delivered, is Run's error, naming
// the injector and the method.
func TestRunRecoversPanicOfClose(t *testing.T) {
	rec := &recorder{}
	rt, _ := newRuntime(t, &hooked{panics: "Close"}, rec)
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	var pe *hook.PanicError
	if !errors.As(err, &pe) || pe.Injector != "fake" || pe.Method != "Close" {
		t.Fatalf("err = %v, want a PanicError of fake's Close", err)
	}
	if rep == nil || len(rec.reports) != 1 {
		t.Fatalf("report %v, %d delivered: want it delivered", rep, len(rec.reports))
	}
}

func TestValidateRecoversPanic(t *testing.T) {
	for _, method := range []string{"ReadsTargetsOnly", "ValidateTargets", "Validate", "Configure", "SendsToTargets", "Close"} {
		t.Run(method, func(t *testing.T) {
			rt, _ := newRuntime(t, &hooked{panics: method}, nil)
			_, err := rt.Validate(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			var pe *hook.PanicError
			if !errors.As(err, &pe) || pe.Method != method || !strings.Contains(err.Error(), "injector fake: "+method+" panicked") {
				t.Fatalf("err = %v, want a PanicError of fake's %s", err, method)
			}
		})
	}
}
