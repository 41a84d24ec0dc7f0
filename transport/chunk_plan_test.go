package transport

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// Chunk counts around the widths of chunk_index and total_chunks: every
// planned size is the real size and within the limit.
func TestPlanDigitWidths(t *testing.T) {
	c, err := NewChunker("post", 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 9, 10, 11, 18, 19, 20, 21, 99, 100, 101, 199, 200, 201, 2001} {
		for _, size := range []int{20, 40, 60, 100, 106} {
			sizes := slices.Repeat([]int{size}, n)
			plan, err := c.Plan(slices.Values(sizes))
			if err != nil {
				t.Fatalf("n=%d size=%d: %v", n, size, err)
			}
			checkPlan(t, c, plan, sizes)
		}
	}
}

func checkPlan(t *testing.T, c *Chunker, plan Plan, sizes []int) {
	t.Helper()
	next := 0
	for i := range plan.Chunks() {
		ts := make([][]byte, plan.Count(i))
		for k := range ts {
			ts[k] = bytes.Repeat([]byte{'x'}, sizes[next])
			next++
		}
		body, err := c.AppendBody(nil, plan, i, ts)
		if err != nil {
			t.Fatalf("%d targets: %v", len(sizes), err)
		}
		if len(body) > c.MaxPayloadSize() {
			t.Fatalf("%d targets: body %d is %d bytes > %d", len(sizes), i, len(body), c.MaxPayloadSize())
		}
		if plan.Chunked() && !bytes.HasSuffix(body, fmt.Appendf(nil, `"chunk_index":%d,"total_chunks":%d}`, i, plan.Chunks())) {
			t.Fatalf("body %d ends %q", i, body[max(0, len(body)-40):])
		}
	}
	if next != len(sizes) {
		t.Fatalf("plan holds %d targets, want %d", next, len(sizes))
	}
}

func FuzzPlan(f *testing.F) {
	f.Add([]byte{10, 20, 30, 200, 5}, uint16(120))
	f.Add(bytes.Repeat([]byte{50}, 300), uint16(100))
	f.Add([]byte{255}, uint16(80))
	f.Add([]byte{}, uint16(60))
	f.Fuzz(func(t *testing.T, raw []byte, limit uint16) {
		c, err := NewChunker("p", int(limit))
		if err != nil {
			return // limit below the envelope, or 0 (default)
		}
		sizes := make([]int, len(raw))
		for i, b := range raw {
			sizes[i] = int(b) + 2
		}
		plan, err := c.Plan(slices.Values(sizes))
		if err != nil {
			var tl *TargetTooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("error %v is not a *TargetTooLargeError", err)
			}
			if tl.Size != sizes[tl.Index] {
				t.Fatalf("error names size %d, target %d is %d", tl.Size, tl.Index, sizes[tl.Index])
			}
			return
		}
		checkPlan(t, c, plan, sizes)
	})
}
