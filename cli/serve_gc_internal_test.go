package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent returns the garbage collection target in force.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestGCPercentForKeepsTheHeapGoalAtTheFloor checks the GOGC chosen for a
// live heap: the floor's while the heap is small, at most five times the
// live heap, and the default once twice the live heap reaches the floor.
func TestGCPercentForKeepsTheHeapGoalAtTheFloor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		live uint64
		want int
	}{
		{0, serveMaxGCPercent},
		{1 * mib, serveMaxGCPercent},
		{2 * mib, serveMaxGCPercent},
		{4 * mib, 300},
		{5 * mib, 220},
		{8 * mib, 100},
		{100 * mib, 100},
	}
	for _, tt := range tests {
		if got := gcPercentFor(tt.live); got != tt.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", tt.live/mib, got, tt.want)
		}
	}
}

// TestServeCollectsLessUnlessGOGCIsSet checks that serve raises the
// garbage collection target while it serves, unless GOGC is set, and puts
// the one before back when it returns.
func TestServeCollectsLessUnlessGOGCIsSet(t *testing.T) {
	tests := []struct {
		name string
		gogc string
		want int // during serve, the target before being 100
	}{
		{"GOGC unset", "", serveMaxGCPercent},
		{"GOGC set: the operator's choice stands", "100", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer debug.SetGCPercent(debug.SetGCPercent(100))
			restore := collectLess(func(k string) string {
				if k == "GOGC" {
					return tt.gogc
				}
				return ""
			})
			if got := gcPercent(); got != tt.want {
				t.Errorf("while serving: GC target %d, want %d", got, tt.want)
			}
			restore()
			if got := gcPercent(); got != 100 {
				t.Errorf("after serving: GC target %d, want the one before, 100", got)
			}
		})
	}
}

// TestServeCollectsAsUsualWithALargeLiveHeap checks that once a collection
// finds a live heap of half the floor or more, serve goes back to the
// runtime's default target: a daemon holding large results is not let grow
// to five times them.
func TestServeCollectsAsUsualWithALargeLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tuned := make(chan int, 64)
	restore := collectLessSeen(func(string) string { return "" }, func(p int) {
		select {
		case tuned <- p:
		default:
		}
	})
	defer restore()
	held := make([]byte, serveHeapFloor) // live: twice the floor's half
	for i := range held {
		held[i] = 1
	}
	bound := time.After(time.Minute) // fails a hang, never a slow machine
	for {
		runtime.GC()
		select {
		case p := <-tuned:
			if p == 100 {
				runtime.KeepAlive(held)
				if got := gcPercent(); got != 100 {
					t.Fatalf("GC target %d after a collection found %d MiB live, want 100", got, len(held)>>20)
				}
				return
			}
		case <-bound:
			t.Fatal("no collection set the default target with a live heap of the floor")
		}
	}
}
