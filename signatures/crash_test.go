package signatures_test

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/signatures"
)

// A crash timestamp from before the run's start never makes an end_time
// earlier than the start_time: the end is the start, and one WARN line
// says so.
func TestPostCrashBeforeStart(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	c := newClock(t0)
	m := signatures.NewManager(signatures.WithClock(c.Now), signatures.WithLogger(zap.New(core)),
		signatures.WithResolver(pinnedResolver(srcV4, "", nil)))
	pre, err := m.Batch(2, func(int) signatures.Config { return signatures.NetworkConfig{TargetIPv4: "10.0.0.1"} })
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	crash := t0.Add(-time.Hour).Format(time.RFC3339)
	post, err := m.Post(pre, signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1, CrashTimestamp: crash}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range post.Len() {
		s := post.Signature(i)
		if s.EndTime < s.StartTime || s.ExecutionStatus != signatures.StatusFailed {
			t.Errorf("signature %d: end %s, start %s, status %s", i, s.EndTime, s.StartTime, s.ExecutionStatus)
		}
	}
	if n := logs.FilterMessageSnippet("end time before the run's start").Len(); n != 1 {
		t.Errorf("%d WARN lines, want 1: %v", n, logs.All())
	}

	// With PostLogger, the line goes to the inject's logger, with its fields.
	injectCore, injectLogs := observer.New(zapcore.WarnLevel)
	if _, err := m.Post(pre, signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1, CrashTimestamp: crash}},
		signatures.PostLogger(zap.New(injectCore).With(zap.String("inject_id", "inj-1")))); err != nil {
		t.Fatal(err)
	}
	lines := injectLogs.FilterMessageSnippet("end time before the run's start").All()
	if len(lines) != 1 || lines[0].ContextMap()["inject_id"] != "inj-1" || logs.Len() != 1 {
		t.Errorf("inject lines %v, manager lines %v; want the second on the inject's logger", lines, logs.All())
	}
}
