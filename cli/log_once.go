package cli

import (
	"sync/atomic"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
)

// onceCore is a core that writes some messages once, their first time,
// and every other entry as its Core does: warnings about the
// configuration, not about an event. A run builds its backend's HTTP
// client more than once (checked before anything runs, then to deliver;
// once per pass of a flush), and each build warns of --insecure
// (httpx.InsecureWarning): the user reads it once. Its children (With)
// share what was written: one logger per command, one warning per run.
type onceCore struct {
	zapcore.Core
	written map[string]*atomic.Bool
}

// newOnceCore returns core writing httpx.InsecureWarning once, and
// httpx.InsecureMoot and httpx.CAFileMoot.
func newOnceCore(core zapcore.Core) zapcore.Core {
	return onceCore{Core: core, written: map[string]*atomic.Bool{
		httpx.InsecureWarning: new(atomic.Bool), httpx.InsecureMoot: new(atomic.Bool),
		httpx.CAFileMoot: new(atomic.Bool)}}
}

// With returns a child sharing the messages written.
func (c onceCore) With(fields []zapcore.Field) zapcore.Core {
	return onceCore{Core: c.Core.With(fields), written: c.written}
}

// Check adds the core to ce unless e's message is one to write once
// and was written.
func (c onceCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if w, ok := c.written[e.Message]; ok && c.Enabled(e.Level) && w.Swap(true) {
		return ce
	}
	return c.Core.Check(e, ce)
}
