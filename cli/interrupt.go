package cli

import (
	"cmp"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Abort is the second interrupt of a command, which Main hands over
// (Fire) rather than exiting at once while a run sends its signatures: the
// send stops posting (the request in flight is cut short), stores in the
// outbox every body not yet stored, and the run exits 130 saying how many
// bodies wait there; without an outbox (--outbox none) it prints the
// signatures of the bodies not delivered (as it does when the outbox has no
// room for them). A command that holds no send leaves Main to exit at
// once, saying what a send in flight that ignores the abort loses (see
// Unstoppable).
type Abort struct {
	mu    sync.Mutex
	held  int
	fired bool
	ch    chan struct{}
	// lost says, by registration, what exiting now abandons of the sends
	// in flight that ignore the abort (see Unstoppable).
	lost map[int]string
	// exits are what must be done before Main exits at once (see
	// OnExit), by registration.
	exits map[int]func()
	// says is what exiting now does, as the command says it (see
	// ExitSays), by registration.
	says map[int]string
	next int
	// notices, when set, writes Main's lines about the signals as JSON
	// log lines: the command logs JSON (see logJSON).
	notices *zap.Logger
	// plain, when set, is where notice writes its plain lines instead of
	// the writer Main gives it (see noticesThrough).
	plain io.Writer
	// name is the binary's name, which starts Main's plain lines about
	// the signals (default injectkit).
	name string
}

// NewAbort returns an Abort not fired.
func NewAbort() *Abort { return &Abort{ch: make(chan struct{})} }

// Fire fires the abort, once, and reports whether a send holds it: that
// send returns soon on its own, and the command with it (exit 130);
// otherwise the caller exits at once.
func (a *Abort) Fire() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.fired {
		a.fired = true
		close(a.ch)
	}
	return a.held > 0
}

// Hold is called by a send as it starts: abort is closed once the abort
// fires (never for a nil Abort), and release, called once the send has
// returned, ends the hold.
func (a *Abort) Hold() (abort <-chan struct{}, release func()) {
	if a == nil {
		return nil, func() {}
	}
	a.mu.Lock()
	a.held++
	a.mu.Unlock()
	var once sync.Once
	return a.ch, func() {
		once.Do(func() {
			a.mu.Lock()
			a.held--
			a.mu.Unlock()
		})
	}
}

// Unstoppable registers a send in flight that ignores the abort (an
// openaev rejection without an outbox, posted whatever the interrupts):
// lost says what exiting during it abandons, which Main says when no send
// holds the abort (see abandoned); release, called once the send has
// returned, ends it.
func (a *Abort) Unstoppable(lost string) (release func()) {
	if a == nil {
		return func() {}
	}
	return register(a, &a.lost, lost)
}

// ExitSays registers what exiting at once, at a second signal that no
// send holds, does to the command's work (serve: its injects in flight go
// back to the queue), which Main then says instead of run's line (the
// signatures not yet stored lost); remove ends it.
func (a *Abort) ExitSays(text string) (remove func()) {
	if a == nil {
		return func() {}
	}
	return register(a, &a.says, text)
}

// exitSaid is what the commands registered with ExitSays, "; "-joined;
// "" when none did.
func (a *Abort) exitSaid() string {
	if a == nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(inOrder(a.says), "; ")
}

// register adds v to *m (made on first use) under the next registration
// of a, and returns what removes it; a is not nil.
func register[V any](a *Abort, m *map[int]V, v V) (remove func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if *m == nil {
		*m = map[int]V{}
	}
	id := a.next
	a.next++
	(*m)[id] = v
	return func() {
		a.mu.Lock()
		delete(*m, id)
		a.mu.Unlock()
	}
}

// inOrder is the values of m, a registration map of Abort, in the order
// they were registered; the caller holds a.mu.
func inOrder[V any](m map[int]V) []V {
	vs := make([]V, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		vs = append(vs, m[id])
	}
	return vs
}

// abandoned says what exiting now abandons of the sends in flight that
// ignore the abort (see Unstoppable), "; "-joined in the order they
// started; "" when there is none.
func (a *Abort) abandoned() string {
	if a == nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(inOrder(a.lost), "; ")
}

// Fired reports whether the abort fired.
func (a *Abort) Fired() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fired
}

// notice writes one of Main's lines about a signal (text: "terminated:
// stopping gracefully …"): "NAME: text" on w, or, once the command
// logs JSON (--log-format json), a JSON log line of text at WARN on its
// stderr, whatever the log level, so that the stream stays JSON.
func (a *Abort) notice(w io.Writer, text string) {
	var notices *zap.Logger
	name := defaultName
	if a != nil {
		a.mu.Lock()
		notices, name = a.notices, cmp.Or(a.name, defaultName)
		if a.plain != nil {
			w = a.plain
		}
		a.mu.Unlock()
	}
	if notices == nil {
		_, _ = io.WriteString(w, name+": "+text+"\n")
		return
	}
	notices.Warn(text)
}

// noticesThrough has notice write its plain lines on w, the writer the
// command's log lines go through: a run on a terminal gives its progress
// line, which erases the line it draws before a notice and draws it again
// below, where a notice written on stderr past it ran on from the
// progress text ("nmap: running · 64 targets · 7sinjectkit: interrupt:
// …").
func (a *Abort) noticesThrough(w io.Writer) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.plain = w
	a.mu.Unlock()
}

// logJSON has notice write JSON log lines on w when the command's log
// format lc is json; a console log keeps the plain lines.
func (a *Abort) logJSON(w io.Writer, lc logConfig) {
	if a == nil || lc.Format != "json" {
		return
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig()), zapcore.AddSync(w), zapcore.DebugLevel)
	a.mu.Lock()
	a.notices = zap.New(core)
	a.mu.Unlock()
}

// OnExit registers fn, which Main runs (see Exiting) before it exits at
// once, on a second signal no send holds, or a third: serve removes there
// the records of the starts of its injects in flight, so that an
// operator's stop is not counted as a run that ended the process. remove,
// called once the command no longer needs it, ends the registration.
func (a *Abort) OnExit(fn func()) (remove func()) {
	if a == nil {
		return func() {}
	}
	return register(a, &a.exits, fn)
}

// Exiting runs the functions registered with OnExit, concurrently, and
// returns once they all returned or ctx is done (Main bounds the wait,
// and a further signal ends it), whichever comes first.
func (a *Abort) Exiting(ctx context.Context) {
	if a == nil {
		return
	}
	a.mu.Lock()
	fns := inOrder(a.exits)
	a.mu.Unlock()
	if len(fns) == 0 {
		return
	}
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(fn)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// givenLogFormat is the log format the command line (--log-format) or,
// without it, the environment gives a command that has the setting, as
// decodeFields reads it; "" when neither does.
func givenLogFormat(c *ucli.Context, getenv func(string) string) string {
	const flag = "log-format"
	if c.Command == nil || !slices.ContainsFunc(c.Command.Flags, func(f ucli.Flag) bool { return slices.Contains(f.Names(), flag) }) {
		return ""
	}
	if c.IsSet(flag) {
		return c.String(flag)
	}
	return getenv(envPrefix + "LOG_FORMAT")
}
