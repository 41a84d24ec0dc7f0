package testkit

import (
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
