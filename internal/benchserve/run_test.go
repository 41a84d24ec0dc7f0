package main

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationRunOnce runs the harness on a few injects with the real
// serve binary and RabbitMQ, with and without the outbox: each run checks
// itself (every inject completed once, nothing refused or dropped, the
// queue empty), so a change to serve that breaks the harness fails here.
func TestIntegrationRunOnce(t *testing.T) {
	testkit.Integration(t)
	servetest.Broker(t) // skips without a broker
	bin, remove := testkit.Build("../../cmd/injectkit")
	t.Cleanup(remove)
	const n = 20
	for _, outbox := range []bool{true, false} {
		t.Run("outbox="+label(outbox), func(t *testing.T) {
			c := config{bin: bin, amqpURL: "amqp://guest:guest@" + servetest.Addr + "/", n: n, workers: 2,
				timeout: 3 * time.Minute}
			res, err := runOnce(context.Background(), c, outbox)
			if err != nil {
				t.Fatal(err)
			}
			if res.wall <= 0 || res.calls < 3*n {
				t.Errorf("result %+v: want a wall time and at least %d calls", res, 3*n)
			}
		})
	}
}

func TestOutboxModes(t *testing.T) {
	tests := []struct {
		in   string
		want []bool
		ok   bool
	}{
		{"on", []bool{true}, true},
		{"none", []bool{false}, true},
		{"both", []bool{true, false}, true},
		{"off", nil, false},
	}
	for _, tt := range tests {
		got, err := outboxModes(tt.in)
		if (err == nil) != tt.ok || len(got) != len(tt.want) {
			t.Errorf("outboxModes(%q) = %v, %v", tt.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("outboxModes(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}

// TestMedian: the middle value of an odd count, the mean of the two
// middle values of an even count (not the lower of them).
func TestMedian(t *testing.T) {
	s := time.Second
	tests := []struct {
		sorted []time.Duration
		want   time.Duration
	}{
		{[]time.Duration{3 * s}, 3 * s},
		{[]time.Duration{1 * s, 3 * s}, 2 * s},
		{[]time.Duration{1 * s, 2 * s, 9 * s}, 2 * s},
		{[]time.Duration{1 * s, 2 * s, 4 * s, 9 * s}, 3 * s},
	}
	for _, tt := range tests {
		if got := median(tt.sorted); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.sorted, got, tt.want)
		}
	}
}
