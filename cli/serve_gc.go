package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// heapFloor is the least heap goal serve and run collect garbage at when
// the environment sets no GOGC. serve's live heap is small (about 2 MB with
// 16 noop injects in flight) and each inject allocates about 60 KB, so at
// the runtime's default (GOGC=100, a goal of twice the live heap, 4 MB at
// least) it collected every 40 injects or so: at 2 000 injects/s a
// collection every 20 ms, 18 % of the daemon's CPU. A run over ten
// thousand targets, its list and its 1 MiB bodies a few MB, collected
// four times in 40 ms (W1 at 10k: 6 % of its CPU in the collector's
// marking). While the live heap is small the floor raises GOGC so that
// the heap may grow to this floor before a collection (some 10 MB more
// resident memory), and lowers it back to the default as the live heap
// grows past half the floor: a daemon holding large results in flight,
// or a run over a long list, keeps the runtime's usual bound of twice its
// live heap, not five times it.
const heapFloor = 16 << 20

// floorMaxGCPercent bounds the GOGC the floor sets: at most five times the
// live heap, whatever the floor asks.
const floorMaxGCPercent = 400

// sendHeadroom is how far past its live heap a run over a long list lets
// its heap grow before a collection, from the list's own collection on
// (see settle and heapHold.lift): its send's bodies in flight, up to four
// transactions of 8 MiB in 1 MiB buffers of the send's pool and the
// encoder's few ahead of them (W1 at 100k: 41 MB), live until posted and
// then reused. At twice the live heap (a list of 13 MB at 100k targets)
// they passed the goal twice a delivery, and each collection, finding them
// all live, marked the list again for nothing (some 11 ms of CPU each, most
// of it assists charged to the goroutines that write, hash and post the
// bodies). From a live heap of sendHeadroom on, twice the live heap is the
// larger goal: a run over a million targets collects as before.
const sendHeadroom = 64 << 20

// heapMinimum is the runtime's least heap goal at GOGC=100, which it
// scales by GOGC/100: the goal before the first collection, when no live
// heap is known yet.
const heapMinimum = 4 << 20

// gcPercentFor returns the GOGC whose heap goal is heapFloor for a
// live heap of live bytes, between the default (100) and floorMaxGCPercent;
// with headroom, the goal is at least live+headroom, whatever the bound.
func gcPercentFor(live, headroom uint64) int {
	switch {
	case live == 0 && headroom > 0:
		// No collection yet (a run lifted as it reads its list): the
		// goal is the runtime's least, which GOGC scales.
		return int(headroom * 100 / heapMinimum)
	case live == 0:
		return floorMaxGCPercent
	}
	if headroom > 0 {
		return max(int(headroom*100/live), 100)
	}
	p := int(heapFloor*100/live) - 100
	return min(max(p, 100), floorMaxGCPercent)
}

// gcFloor keeps the process's heap goal at heapFloor (or at least
// sendHeadroom past the live heap, while a run it holds for was lifted):
// after each garbage collection it sets GOGC from the live heap that
// collection found.
type gcFloor struct {
	mu     sync.Mutex
	users  int // serves and runs going on; the floor holds while there is one
	lifted int // of them, runs over a long list (heapHold.lift)
	before int // GOGC before the first of them
	live   [1]metrics.Sample
	tuned  func(percent int) // tests see each GOGC set; nil otherwise
}

// processFloor is the one floor of the process. GOGC is the process's,
// not a serve's or a run's: two of them in one process (an embedder's, or
// tests) share the floor, and the GOGC from before the first comes back
// when the last returns, not when the first does.
var processFloor = &gcFloor{}

// sentinel is allocated only to be collected: its cleanup runs once the
// next garbage collection has found it unreachable. (It holds a pointer so
// that it is not placed in a tiny block shared with other objects.)
type sentinel struct{ _ *byte }

// heapHold is one serve's or run's hold on the floor; a nil *heapHold (GOGC
// set in the environment) does nothing.
type heapHold struct {
	f        *gcFloor
	mu       sync.Mutex
	lifted   bool
	released bool
}

// collectLess keeps the heap goal at heapFloor for as long as serve
// serves or run runs, unless GOGC is set in the process's environment (the
// operator's choice then stands: the runtime read it), and returns the
// hold, whose release ends that.
func collectLess(getenv func(string) string) *heapHold {
	if getenv("GOGC") != "" {
		return nil
	}
	return processFloor.hold()
}

// hold counts one more serve or run, starts the floor for the first, and
// returns the hold that counts it out again.
func (f *gcFloor) hold() *heapHold {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users++
	if f.users == 1 {
		f.live[0].Name = "/gc/heap/live:bytes"
		f.before = debug.SetGCPercent(floorMaxGCPercent)
		f.arm()
	}
	return &heapHold{f: f}
}

// release counts the hold's serve or run out (once, however many times it
// is called) and, after the last, restores the GOGC from before the first;
// the cleanup armed last then finds no user and stops.
func (h *heapHold) release() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return
	}
	h.released = true
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if h.lifted {
		f.lifted--
	}
	f.users--
	if f.users == 0 {
		debug.SetGCPercent(f.before)
	}
}

// lift lets the heap grow sendHeadroom past the live heap before the next
// collections, for as long as the hold lasts: a run over a long list
// calls it before the list's collection (see settle). GOGC is set at once
// from the live heap the last collection found.
func (h *heapHold) lift() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lifted || h.released {
		return
	}
	h.lifted = true
	f := h.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lifted++
	f.tune()
}

// arm makes the next garbage collection call after.
func (f *gcFloor) arm() {
	runtime.AddCleanup(&sentinel{}, (*gcFloor).after, f)
}

// after sets GOGC from the live heap the last collection found, and arms
// itself for the next one, while a serve or run is going on.
func (f *gcFloor) after() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users == 0 {
		return
	}
	f.tune()
	f.arm()
}

// tune sets GOGC from the live heap the last collection found; f.mu is
// held.
func (f *gcFloor) tune() {
	metrics.Read(f.live[:])
	var headroom uint64
	if f.lifted > 0 {
		headroom = sendHeadroom
	}
	p := gcPercentFor(f.live[0].Value.Uint64(), headroom)
	debug.SetGCPercent(p)
	if f.tuned != nil {
		f.tuned(p)
	}
}
