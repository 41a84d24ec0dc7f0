package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// lateCloser is an executor whose Execute blocks until release, past its
// deadline and its grace, and whose Close says, on closed, whether Execute
// had returned by then (returned is closed as Execute returns). Its
// Close writes what Execute wrote, so -race sees a Close that overlaps
// Execute.
type lateCloser struct {
	release  chan struct{}
	returned chan struct{}
	closed   chan bool
	state    int // written by Execute, then by Close
	closeErr error
	panics   bool
}

func newLateCloser() *lateCloser {
	return &lateCloser{release: make(chan struct{}), returned: make(chan struct{}), closed: make(chan bool, 2)}
}

func (l *lateCloser) Manifest() framework.Manifest { return framework.Manifest{Name: "fake"} }

func (l *lateCloser) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	defer close(l.returned)
	<-l.release
	l.state++
	return framework.ToolOutput{}
}

func (l *lateCloser) Close() error {
	select {
	case <-l.returned:
		l.closed <- true
	default:
		l.closed <- false
	}
	l.state++
	if l.panics {
		panic("close after abandon")
	}
	return l.closeErr
}

// An executor abandoned at its deadline (or at the caller's cancellation)
// is closed only once its Execute has returned, after Run returned: never
// while Execute still runs. Close's error or panic then is logged.
func TestRunClosesAnAbandonedExecutorOnlyAfterExecuteReturns(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool
		setup   func(*lateCloser)
		logged  string
	}{
		{"deadline", 20 * time.Millisecond, false, func(*lateCloser) {}, ""},
		{"cancelled", time.Hour, true, func(*lateCloser) {}, ""},
		{"Close fails", 20 * time.Millisecond, false, func(l *lateCloser) { l.closeErr = errors.New("busy") }, "close executor"},
		{"Close panics", 20 * time.Millisecond, false, func(l *lateCloser) { l.panics = true }, "executor Close panicked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newLateCloser()
			tt.setup(ex)
			rec := &recorder{}
			// logged gets the message of each line written, the late
			// Close's among them.
			logged := make(chan string, 64)
			core, _ := observer.New(zapcore.DebugLevel)
			log := zap.New(zapcore.RegisterHooks(core, func(e zapcore.Entry) error {
				logged <- e.Message
				return nil
			}))
			rt, _ := newRuntime(t, ex, rec, runtime.WithGrace(time.Millisecond), runtime.WithLogger(log))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			rep, err := rt.Run(ctx, runtime.Request{Injector: "fake", Timeout: runtime.Duration(tt.timeout), Targets: loopback()})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != signatures.StatusTimeout || len(rec.delivered()) != 1 {
				t.Fatalf("status %q, %d delivered", rep.Status, len(rec.delivered()))
			}
			select {
			case <-ex.closed:
				t.Fatal("Close was called while Execute still ran")
			default:
			}
			close(ex.release)
			if after := <-ex.closed; !after {
				t.Fatal("Close was called before Execute returned")
			}
			if tt.logged != "" {
				for msg := range logged { // the line follows Close, in its goroutine
					if msg == tt.logged {
						break
					}
				}
			}
			if len(ex.closed) != 0 {
				t.Error("Close called twice")
			}
		})
	}
}
