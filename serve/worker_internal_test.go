package serve

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"testing/synctest"

	amqp "github.com/rabbitmq/amqp091-go"
)

// goroutineID returns the id of the calling goroutine, from its stack's
// first line ("goroutine 7 [running]:").
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
	return string(id)
}

// TestAWorkerHandlesTheNextMessage checks that the messages handled one
// after another are handled by one worker, kept for the next message
// (with the stack its handling grew), not by a goroutine started for each;
// and that the idle workers end with the shutdown.
func TestAWorkerHandlesTheNextMessage(t *testing.T) {
	tests := []struct {
		name     string
		workers  int
		messages int
	}{
		{"one worker", 1, 3},
		{"sixteen workers, one message at a time", 16, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var ids []string
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: tt.workers,
					Handler: HandlerFunc(func(context.Context, []byte) error {
						ids = append(ids, goroutineID())
						return nil
					})})
				r.ctx, r.base = t.Context(), t.Context()
				s := &session{ch: &amqp.Channel{}}
				for range tt.messages {
					r.slots <- struct{}{}
					r.start(s, amqp.Delivery{Acknowledger: &nacks{}, Body: []byte(`{}`)})
					synctest.Wait() // handled and settled, its worker idle
				}
				close(r.stopping)
				s.wg.Wait()
				synctest.Wait() // the idle workers ended
				if len(ids) != tt.messages {
					t.Fatalf("%d messages handled, want %d", len(ids), tt.messages)
				}
				for i, id := range ids {
					if id != ids[0] {
						t.Errorf("message %d handled by goroutine %s, the first by %s: want one worker", i, id, ids[0])
					}
				}
			})
		})
	}
}
