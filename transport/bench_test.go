package transport

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

var sink int

// BenchmarkBodies chunks payloads of 1k, 10k and 100k targets into 1 MiB
// bodies; BenchmarkMarshal is the baseline, one json.Marshal of the same
// payload. The two should be close: each target is encoded once and
// chunking is arithmetic on sizes.
func BenchmarkBodies(b *testing.B) {
	benchPayloads(b, func(p signatures.Payload) (int, error) {
		bodies, err := Bodies("inj", "post", p, DefaultMaxPayloadSize)
		return len(bodies), err
	})
}

func BenchmarkMarshal(b *testing.B) {
	benchPayloads(b, func(p signatures.Payload) (int, error) {
		out, err := json.Marshal(p)
		return len(out), err
	})
}

// benchPayloads runs encode on payloads of 1k, 10k and 100k targets, a
// sub-benchmark each; encode returns how much it made.
func benchPayloads(b *testing.B, encode func(signatures.Payload) (int, error)) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		p := payloadOf(n)
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				made, err := encode(p)
				if err != nil {
					b.Fatal(err)
				}
				sink = made
			}
		})
	}
}

// BenchmarkPlan is the packing alone, on sizes already known.
func BenchmarkPlan(b *testing.B) {
	c, err := NewChunker("post", DefaultMaxPayloadSize)
	if err != nil {
		b.Fatal(err)
	}
	sizes := make([]int, 100_000)
	for i := range sizes {
		sizes[i] = 900 + i%200
	}
	b.ReportAllocs()
	for b.Loop() {
		plan, err := c.Plan(func(yield func(int) bool) {
			for _, s := range sizes {
				if !yield(s) {
					return
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		sink = plan.Chunks()
	}
}
