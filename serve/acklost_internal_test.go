package serve

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// noter is a Handler that records the keys of the messages whose
// settlement the daemon lost (see AckLostNoter).
type noter struct {
	mu   sync.Mutex
	lost []string
}

func (*noter) Handle(context.Context, []byte) error { return nil }

func (n *noter) NoteAckLost(key string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lost = append(n.lost, key)
}

// closedAck is the acknowledger of a channel that closed: every
// settlement fails.
type closedAck struct{}

func (closedAck) Ack(uint64, bool) error        { return amqp.ErrClosed }
func (closedAck) Nack(uint64, bool, bool) error { return amqp.ErrClosed }
func (closedAck) Reject(uint64, bool) error     { return amqp.ErrClosed }

// ackLostLine finishes, on a runner whose Handler is h, the handling of
// inject i-1 whose acknowledgement is lost with its channel, and returns
// the one WARN saying so.
func ackLostLine(t *testing.T, h Handler) observer.LoggedEntry {
	t.Helper()
	core, logs := observer.New(zapcore.WarnLevel)
	r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: h, Log: zap.New(core)})
	j := &job{dl: amqp.Delivery{Acknowledger: closedAck{}, Body: []byte(`{}`)}}
	j.named("i-1", zap.New(core))
	r.finish(j, nil)
	lines := logs.FilterMessageSnippet("ack lost with the channel").All()
	if len(lines) != 1 {
		t.Fatalf("%d ack-lost lines, want 1: %v", len(lines), logs.All())
	}
	return lines[0]
}

// TestAckLostWarnPromisesNoRedelivery is tester t99's finding 2: a
// broker restart drops the platform's transient messages, the one whose
// ack was lost included, so the WARN says the broker delivers it again
// only unless it restarted, and what becomes of it then.
func TestAckLostWarnPromisesNoRedelivery(t *testing.T) {
	line := ackLostLine(t, &noter{})
	for _, want := range []string{"unless it restarted", "pending sweep"} {
		if !strings.Contains(line.Message, want) {
			t.Errorf("ack-lost line %q does not say %q", line.Message, want)
		}
	}
}

// TestAckLostTold is tester t99's finding 1: the broker may deliver a
// message whose acknowledgement (or rejection) was lost with its channel
// again without its redelivered flag, so the daemon tells the Handler the
// message's key, that it recognises the copy. A settlement that lands
// tells nothing.
func TestAckLostTold(t *testing.T) {
	tests := []struct {
		name     string
		ack      amqp.Acknowledger
		err      error
		wantLost []string
	}{
		{name: "ack lost", ack: closedAck{}, wantLost: []string{"i-1"}},
		{name: "rejection lost", ack: closedAck{}, err: Permanent(errors.New("refused")), wantLost: []string{"i-1"}},
		{name: "ack landed", ack: okAck{}},
		{name: "rejection landed", ack: okAck{}, err: Permanent(errors.New("refused"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &noter{}
			r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: h, Log: zap.NewNop()})
			j := &job{dl: amqp.Delivery{Acknowledger: tt.ack, Body: []byte(`{}`)}}
			j.named("i-1", zap.NewNop())
			r.finish(j, tt.err)
			if !slices.Equal(h.lost, tt.wantLost) {
				t.Errorf("told %v, want %v", h.lost, tt.wantLost)
			}
		})
	}
}

// okAck is the acknowledger of an open channel.
type okAck struct{}

func (okAck) Ack(uint64, bool) error        { return nil }
func (okAck) Nack(uint64, bool, bool) error { return nil }
func (okAck) Reject(uint64, bool) error     { return nil }

// teller is a noter that says what becomes of the copy (AckLostTeller).
type teller struct{ noter }

func (*teller) AckLostCopy() string {
	return "the copy is not run again if the outbox holds its result"
}

// The WARN of a lost acknowledgement ends with what the Handler says
// becomes of the copy, when it says (AckLostTeller), and claims nothing
// of the copy otherwise.
func TestAckLostWarnSaysWhatBecomesOfTheCopy(t *testing.T) {
	for _, h := range []Handler{&teller{}, &noter{}} {
		line := ackLostLine(t, h)
		_, tells := h.(AckLostTeller)
		if got := strings.HasSuffix(line.Message, "; the copy is not run again if the outbox holds its result"); got != tells {
			t.Errorf("ack-lost line %q: says the copy's fate %v, want %v", line.Message, got, tells)
		}
		if !tells && strings.Contains(line.Message, "copy") {
			t.Errorf("ack-lost line %q speaks of the copy for a Handler that does not", line.Message)
		}
	}
}
