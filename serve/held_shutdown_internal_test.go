package serve

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// A stop while a result is held (nothing could store it: a full disk, the
// platform down) says one true thing of it: the Handler drops the held
// result, its message goes back to the queue and the inject runs again,
// one ERROR line. Before, a handling still in a store attempt past the
// grace also had an INFO saying its result was being stored and its
// message settled once the store answered, beside that ERROR: the two
// contradicted, and the ERROR was true (the message was requeued). A
// result whose storing does outlast the grace (a slow commit) still has
// its INFO, and its message acknowledged once kept.
func TestShutdownSaysOneThingOfAHeldResult(t *testing.T) {
	const storing = "shutdown timeout: the inject's result is being stored; its message is settled once the store answers"
	const dropped = "shutdown timeout: the inject's result, held in memory and not delivered, is dropped; its message goes back to the queue and the inject will run again"
	for _, tc := range []struct {
		name          string
		held          bool
		want          string // the line that says what became of it
		level         zapcore.Level
		acked, requed int32
	}{
		{name: "held, then dropped", held: true, want: dropped, level: zapcore.ErrorLevel, requed: 1},
		{name: "being stored, then kept", held: false, want: storing, level: zapcore.InfoLevel, acked: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var stored names
				attempt := make(chan struct{})
				core, logs := observer.New(zapcore.DebugLevel)
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: 1, ShutdownTimeout: time.Minute, Log: zap.New(core),
					Handler: outboxed{stored: &stored, HandlerFunc: func(ctx context.Context, body []byte) error {
						if err := Executed(ctx); err != nil {
							return err
						}
						if tc.held {
							release := HoldingResult(ctx)
							<-attempt // a store attempt that outlasts the grace, then fails
							release()
							return &DroppedError{Err: errors.New("inject a: terminal callback (complete): the shutdown stopped the retries")}
						}
						<-attempt // a commit that outlasts the grace
						stored.add(string(body))
						return nil
					}}})
				a := startA(t, r)
				synctest.Wait()
				stopped := shutdownPastTheGrace(r)
				close(attempt)
				<-stopped
				if a.acked.Load() != tc.acked || a.requeued.Load() != tc.requed {
					t.Errorf("%d acked, %d requeued; want %d and %d", a.acked.Load(), a.requeued.Load(), tc.acked, tc.requed)
				}
				if got := logs.FilterMessage(tc.want).All(); len(got) != 1 || got[0].Level != tc.level {
					t.Errorf("lines %q: %v, want one at %s; all lines: %v", tc.want, got, tc.level, lineList(logs))
				}
				if tc.held && logs.FilterMessage(storing).Len() != 0 {
					t.Errorf("a held result said to be stored as well: %v", lineList(logs))
				}
			})
		})
	}
}

// lineList is every line logged, its level and message.
func lineList(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		out = append(out, e.Level.String()+" "+e.Message)
	}
	return out
}
