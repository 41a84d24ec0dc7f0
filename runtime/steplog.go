package runtime

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// WithStepLevel sets the level of the lines of a run's steps before its
// delivery: "pre-execution signatures compiled", "executed" and "payload
// built" (INFO by default). A daemon running thousands of injects a
// second gives zapcore.DebugLevel, and each inject then ends with one
// line at INFO: below INFO, the "delivered" line (or "delivery failed")
// carries what the "executed" line says, ran (the executor's duration)
// and, when there are any, results_reported, not_reached, exit_code and
// injector_error (the "executed" line's error: "delivery failed" has an
// error of its own). The failures of the steps are logged at their own level
// whatever it is.
func WithStepLevel(l zapcore.Level) Option { return func(rt *Runtime) { rt.stepLevel = l } }

// logStep logs a step's line at level (see WithStepLevel), its fields built
// only when that level is enabled.
func logStep(log *zap.Logger, level zapcore.Level, msg string, fields func() []zap.Field) {
	if ce := log.Check(level, msg); ce != nil {
		ce.Write(fields()...)
	}
}

// folded reports whether a run's last line carries its "executed" line's
// fields: the steps' lines are below INFO (see WithStepLevel).
func (rt *Runtime) folded() bool { return rt.stepLevel < zapcore.InfoLevel }
