package signatures_test

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// The end time is the run's end rounded up to the whole second, the start
// its start rounded down: the window [start_time, end_time] holds the
// whole run, and a run shorter than a second ends a second after it
// starts (collectors search the defences' logs over the window, Splunk
// ES with an exclusive end). A reported crash time is rounded up too; the
// clamps compare against the rounded-up end.
func TestPostEndTimeRoundedUp(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	failed := func(crash string) signatures.ToolOutput {
		return signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1, CrashTimestamp: crash}}
	}
	tests := []struct {
		name       string
		start, end string // the clock at the pre- and the post-execution compile
		out        signatures.ToolOutput
		wantStart  string
		wantEnd    string
		wantWarn   string // a WARN line holding this, or none when empty
	}{
		{name: "sub-second run: end a second after the start", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},
		{name: "end exactly on a second stays", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:08.000Z",
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},
		{name: "start and end on the same whole second", start: "2026-11-27T12:00:07Z", end: "2026-11-27T12:00:07Z",
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:07Z"},
		{name: "a nanosecond past a second rounds up", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:01:30.000000001Z",
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:01:31Z"},
		{name: "timeout with partial results", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			out:       signatures.ToolOutput{TimeoutInfo: &signatures.TimeoutInfo{PartialResults: []string{"22/tcp open ssh"}}},
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},
		{name: "partial", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:09.9Z",
			out:       signatures.ToolOutput{Status: signatures.StatusPartial},
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:10Z"},
		{name: "failed without a crash time", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			out:       signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 3}},
			wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},

		{name: "crash time kept", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:09.6Z",
			out: failed("2026-11-27T12:00:08Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},
		{name: "crash time in the start's second kept", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			out: failed("2026-11-27T12:00:07Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:07Z"},
		{name: "crash time within the rounding of now is not from the future", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			out: failed("2026-11-27T12:00:08Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},
		{name: "sub-second crash time rounded up", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:09.6Z",
			out: failed("2026-11-27T12:00:08.3Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:09Z"},
		{name: "crash a fraction into the start's second: end a second after the start", start: "2026-11-27T12:00:07.2Z",
			end: "2026-11-27T12:00:07.6Z", out: failed("2026-11-27T12:00:07.4Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z"},
		{name: "crash time with an offset rounded up", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:09.6Z",
			out: failed("2026-11-27T14:00:08.000000001+02:00"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:09Z"},
		{name: "crash time past the rounded-up now: set to it", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			out: failed("2026-11-27T12:00:09Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:08Z",
			wantWarn: "end time after now"},
		{name: "crash time before the start: the start", start: "2026-11-27T12:00:07.2Z", end: "2026-11-27T12:00:07.6Z",
			out: failed("2026-11-27T12:00:05Z"), wantStart: "2026-11-27T12:00:07Z", wantEnd: "2026-11-27T12:00:07Z",
			wantWarn: "end time before the run's start"},
	}
	for _, tt := range tests {
		for _, via := range []string{"Batch and Post", "CompilePre and CompilePost"} {
			t.Run(tt.name+"/"+via, func(t *testing.T) {
				core, logs := observer.New(zapcore.WarnLevel)
				c := testkit.NewClock(at(tt.start))
				m := signatures.NewManager(signatures.WithClock(c.Now), signatures.WithLogger(zap.New(core)),
					signatures.WithResolver(pinnedResolver(srcV4, "", nil)))
				cfgs := []signatures.Config{signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, signatures.NetworkConfig{TargetHostname: "web.example.com"}}
				var post []signatures.Signature
				if via == "Batch and Post" {
					pre := batchOf(t, m, false, cfgs)
					c.Add(at(tt.end).Sub(at(tt.start)))
					b, err := m.Post(pre, tt.out)
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range b.All() {
						post = append(post, s)
					}
				} else {
					pre, err := m.CompilePre(cfgs...)
					if err != nil {
						t.Fatal(err)
					}
					c.Add(at(tt.end).Sub(at(tt.start)))
					if post, err = m.CompilePost(pre, tt.out); err != nil {
						t.Fatal(err)
					}
				}
				for i, s := range post {
					if s.StartTime != tt.wantStart || s.EndTime != tt.wantEnd {
						t.Errorf("signature %d: start %s end %s, want start %s end %s", i, s.StartTime, s.EndTime, tt.wantStart, tt.wantEnd)
					}
				}
				warns := logs.All()
				switch {
				case tt.wantWarn == "" && len(warns) != 0:
					t.Errorf("WARN lines %v, want none", warns)
				case tt.wantWarn != "" && logs.FilterMessageSnippet(tt.wantWarn).Len() != 1:
					t.Errorf("WARN lines %v, want one with %q", warns, tt.wantWarn)
				}
			})
		}
	}
}

// A crash timestamp from before the run's start never makes an end_time
// earlier than the start_time: the end is the start, and one WARN line
// says so.
func TestPostCrashBeforeStart(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	c := testkit.NewClock(t0)
	m := signatures.NewManager(signatures.WithClock(c.Now), signatures.WithLogger(zap.New(core)),
		signatures.WithResolver(pinnedResolver(srcV4, "", nil)))
	pre, err := m.Batch(2, func(int) signatures.Config { return signatures.NetworkConfig{TargetIPv4: "10.0.0.1"} })
	if err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
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
