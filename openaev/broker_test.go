package openaev_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// TestBrokerLimitWarned checks that a max payload size letting bodies
// exceed what the platform's broker takes by default (RabbitMQ's 16 MiB
// max_message_size, less the callback's wrapper) gets one WARN saying the
// broker drops them unless its max_message_size is raised, and is kept.
func TestBrokerLimitWarned(t *testing.T) {
	tests := []struct {
		size int64
		warn bool
	}{
		{openaev.DefaultMaxPayloadSize, false},
		{openaev.MaxQueuedBodySize, false},
		{openaev.MaxQueuedBodySize + 1, true},
		{16 << 20, true},
		{openaev.MaxMaxPayloadSize, true},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.size, 10), func(t *testing.T) {
			log, logs := testkit.Logger()
			p := openaev.NewProfile(nil, nil, log, openaev.WithMaxPayloadSize(tt.size))
			if p.MaxPayloadSize() != tt.size {
				t.Errorf("max payload size %d, want %d kept", p.MaxPayloadSize(), tt.size)
			}
			w := logs.FilterMessageSnippet("max_message_size").All()
			if len(w) != btoi(tt.warn) {
				t.Fatalf("%d WARN lines naming max_message_size, want %d", len(w), btoi(tt.warn))
			}
			if tt.warn && (w[0].Level.String() != "warn" || w[0].ContextMap()["max_payload_size"] != tt.size ||
				!strings.Contains(w[0].Message, "drops") || !strings.Contains(w[0].Message, "raise max_message_size")) {
				t.Errorf("WARN %s %q %v", w[0].Level, w[0].Message, w[0].ContextMap())
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
