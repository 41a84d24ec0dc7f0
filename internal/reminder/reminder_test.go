package reminder

import (
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

// TestLevel walks a condition said at WARN when it begins, at DEBUG
// until Every passed, then at WARN again, and at WARN at once when it
// begins again after it ended.
func TestLevel(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	var said time.Time
	steps := []struct {
		at    time.Duration // since t0
		ended bool          // the condition ended before this line
		want  zapcore.Level
	}{
		{0, false, zapcore.WarnLevel},
		{time.Second, false, zapcore.DebugLevel},
		{Every - time.Nanosecond, false, zapcore.DebugLevel},
		{Every, false, zapcore.WarnLevel},
		{Every + time.Minute, false, zapcore.DebugLevel},
		{Every + 2*time.Minute, true, zapcore.WarnLevel},
		{Every + 3*time.Minute, false, zapcore.DebugLevel},
	}
	for i, s := range steps {
		if s.ended {
			said = time.Time{}
		}
		if got := Level(&said, t0.Add(s.at)); got != s.want {
			t.Errorf("step %d, at %v: %v, want %v", i, s.at, got, s.want)
		}
	}
}
