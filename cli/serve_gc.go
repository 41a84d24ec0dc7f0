package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// serveHeapFloor is the least heap goal serve collects garbage at when the
// environment sets no GOGC. serve's live heap is small (about 2 MB with 16
// noop injects in flight) and each inject allocates about 60 KB, so at the
// runtime's default (GOGC=100, a goal of twice the live heap, 4 MB at
// least) it collected every 40 injects or so: at 2 000 injects/s a
// collection every 20 ms, 18 % of the daemon's CPU. While the live heap is
// small serve raises GOGC so that the heap may grow to this floor before a
// collection (some 10 MB more resident memory), and lowers it back to the
// default as the live heap grows past half the floor: a daemon holding
// large results in flight keeps the runtime's usual bound of twice its
// live heap, not five times it.
const serveHeapFloor = 16 << 20

// serveMaxGCPercent bounds the GOGC serve sets: at most five times the
// live heap, whatever the floor asks.
const serveMaxGCPercent = 400

// gcPercentFor returns the GOGC whose heap goal is serveHeapFloor for a
// live heap of live bytes, between the default (100) and serveMaxGCPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return serveMaxGCPercent
	}
	p := int(serveHeapFloor*100/live) - 100
	return min(max(p, 100), serveMaxGCPercent)
}

// gcFloor keeps serve's heap goal at serveHeapFloor: after each garbage
// collection it sets GOGC from the live heap that collection found.
type gcFloor struct {
	mu    sync.Mutex
	done  bool
	live  [1]metrics.Sample
	tuned func(percent int) // tests see each GOGC set; nil otherwise
}

// sentinel is allocated only to be collected: its cleanup runs once the
// next garbage collection has found it unreachable. (It holds a pointer so
// that it is not placed in a tiny block shared with other objects.)
type sentinel struct{ _ *byte }

// collectLess keeps serve's heap goal at serveHeapFloor for as long as it
// serves, unless GOGC is set in the environment (the operator's choice then
// stands), and returns what stops that and restores the GOGC before.
func collectLess(getenv func(string) string) (restore func()) {
	return collectLessSeen(getenv, nil)
}

// collectLessSeen is collectLess telling tuned each GOGC it sets after a
// collection.
func collectLessSeen(getenv func(string) string, tuned func(int)) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	f := &gcFloor{tuned: tuned}
	f.live[0].Name = "/gc/heap/live:bytes"
	f.mu.Lock()
	before := debug.SetGCPercent(serveMaxGCPercent)
	f.mu.Unlock()
	f.arm()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.done = true
		debug.SetGCPercent(before)
	}
}

// arm makes the next garbage collection call after.
func (f *gcFloor) arm() {
	runtime.AddCleanup(&sentinel{}, (*gcFloor).after, f)
}

// after sets GOGC from the live heap the last collection found, and arms
// itself for the next one, until serve has returned.
func (f *gcFloor) after() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return
	}
	metrics.Read(f.live[:])
	p := gcPercentFor(f.live[0].Value.Uint64())
	debug.SetGCPercent(p)
	if f.tuned != nil {
		f.tuned(p)
	}
	f.arm()
}
