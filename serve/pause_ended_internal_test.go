package serve

import (
	"testing"
	"testing/synctest"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/httpx"
)

// While paused, the end of a session is said as what it was, whichever
// of the two closes the daemon read first: the broker's close of the
// channel (a message kept past consumer_timeout, 406), which RabbitMQ
// 3.10 follows within milliseconds with the connection's (504 on the
// client's close-ok), said with the channel's reason; a connection lost
// (320), which closes its channel with its own error, said as the
// connection's loss.
func TestPausedSessionEndedSaysWhatClosed(t *testing.T) {
	timeout := &amqp.Error{Code: amqp.PreconditionFailed, Reason: "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out", Server: true}
	closeOK := &amqp.Error{Code: amqp.ChannelError, Reason: "CHANNEL_ERROR - expected 'channel.open'", Server: true}
	forced := &amqp.Error{Code: amqp.ConnectionForced, Reason: "CONNECTION_FORCED - broker forced connection closure", Server: true}
	const chLine = "broker channel closed: its unacknowledged messages go back to the queue; consuming again on a new connection"
	const connLine = "broker connection lost while paused"
	tests := []struct {
		name      string
		chErr     *amqp.Error // on the channel's NotifyClose
		connErr   *amqp.Error // on the connection's NotifyClose
		connFirst bool        // the daemon read the connection's close (else the channel's)
		want      string
		wantErr   string
	}{
		{"the channel closed, the connection kept", timeout, nil, false, chLine, timeout.Error()},
		{"the channel closed, then the connection, read second", timeout, closeOK, false, chLine, timeout.Error()},
		{"the channel closed, then the connection, read first", timeout, closeOK, true, chLine, timeout.Error()},
		{"the connection lost, read first", forced, forced, true, connLine, forced.Error()},
		{"the connection lost, its channel read first", forced, forced, false, connLine, forced.Error()},
		{"the connection lost, its channel not closed yet", nil, forced, true, connLine, forced.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.InfoLevel)
			r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: &noter{}, Log: zap.New(core)})
			chErr, closed := make(chan *amqp.Error, 1), make(chan *amqp.Error, 1)
			if tt.chErr != nil {
				chErr <- tt.chErr
			}
			if tt.connErr != nil && !tt.connFirst {
				closed <- tt.connErr
			}
			s := &session{reg: Registration{Broker: Broker{Host: "127.0.0.1", Port: 5672, VHost: "/"}, Queue: "q"},
				chErr: chErr, closed: closed, red: httpx.NewRedactor()}
			if tt.connFirst {
				r.pausedSessionEnded(s, tt.connErr, true)
			} else {
				r.pausedSessionEnded(s, nil, false)
			}
			lines := logs.All()
			if len(lines) != 1 || lines[0].Message != tt.want || lines[0].ContextMap()["error"] != tt.wantErr {
				t.Errorf("logged %v, want one %q with the error %q", lines, tt.want, tt.wantErr)
			}
		})
	}
}

// The channel's NotifyClose listeners are told one after the other:
// waitResume wakes on the first (chClosed) while the client library has
// yet to tell the second (chErr), which the daemon read without waiting.
// On a loaded machine the broker's 406 was then said without its reason
// (seen in a full make test: "broker channel closed" with no error). The
// reason is waited for until the channel is gone.
func TestPausedSessionEndedWaitsForTheChannelsReason(t *testing.T) {
	timeout := &amqp.Error{Code: amqp.PreconditionFailed, Reason: "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out", Server: true}
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zapcore.InfoLevel)
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: &noter{}, Log: zap.New(core)})
		chErr, gone := make(chan *amqp.Error, 1), make(chan struct{})
		s := &session{reg: Registration{Broker: Broker{Host: "127.0.0.1", Port: 5672, VHost: "/"}, Queue: "q"},
			chErr: chErr, closed: make(chan *amqp.Error, 1), gone: gone, red: httpx.NewRedactor()}
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.pausedSessionEnded(s, nil, false)
		}()
		synctest.Wait() // the first listener told, the second not yet
		chErr <- timeout
		close(chErr)
		close(gone)
		<-done
		lines := logs.All()
		if len(lines) != 1 || lines[0].ContextMap()["error"] != timeout.Error() {
			t.Errorf("logged %v, want one line with the error %q", lines, timeout.Error())
		}
	})
}
