package testkit

import (
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Logger returns a logger recording every entry, debug level up, and what
// it recorded.
func Logger() (*zap.Logger, *observer.ObservedLogs) {
	return LoggerAt(zapcore.DebugLevel)
}

// LoggerAt returns a logger recording the entries of level and above, and
// what it recorded.
func LoggerAt(level zapcore.Level) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(level)
	return zap.New(core), logs
}

// ScopeCounting is a core that counts the loggers scoped from it
// (zap.Logger.With) in N, for tests of how many a code path builds.
type ScopeCounting struct {
	zapcore.Core
	N *atomic.Int32
}

// With counts the scoped logger and builds it on the wrapped core.
func (c ScopeCounting) With(f []zapcore.Field) zapcore.Core {
	c.N.Add(1)
	return ScopeCounting{c.Core.With(f), c.N}
}

// Check sends the entries the wrapped core takes through the counting core,
// so that loggers scoped from them are counted too.
func (c ScopeCounting) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}
