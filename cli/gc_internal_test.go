package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
)

// gcProbe is an executor that records the garbage collection target in
// force while it executes.
type gcProbe struct{ seen *int }

func (p gcProbe) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	*p.seen = gcPercent()
	return framework.ToolOutput{Status: framework.StatusSuccess}
}

// TestRunCollectsLessUnlessGOGCIsSet checks that run holds the heap floor
// serve holds while the inject runs (a short run's small heap is not
// collected every 4 MB), unless GOGC is set, and puts the target from
// before back when it returns.
func TestRunCollectsLessUnlessGOGCIsSet(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set in the test's environment: the operator's choice stands")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var seen int
	r := framework.NewRegistry()
	r.Register("gcprobe", func() framework.Executor { return gcProbe{&seen} })
	dir := t.TempDir()
	env := map[string]string{"CONTAINER_IP": "172.17.0.2", "INJECTKIT_OUTBOX": filepath.Join(dir, "outbox.db")}
	o := Options{Registry: r, Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return env[k] }}
	if code := Run(context.Background(), o, []string{"injectkit", "run", "gcprobe", "--target", "127.0.0.1"}); code != 0 {
		t.Fatalf("run: exit %d", code)
	}
	if seen <= 100 {
		t.Errorf("while the inject ran: GC target %d, want the floor's, above the default 100", seen)
	}
	if got := gcPercent(); got != 100 {
		t.Errorf("after the run: GC target %d, want the one before, 100", got)
	}
}

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
		{0, floorMaxGCPercent},
		{1 * mib, floorMaxGCPercent},
		{2 * mib, floorMaxGCPercent},
		{4 * mib, 300},
		{5 * mib, 220},
		{8 * mib, 100},
		{100 * mib, 100},
	}
	for _, tt := range tests {
		if got := gcPercentFor(tt.live, 0); got != tt.want {
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
		{"GOGC unset", "", floorMaxGCPercent},
		{"GOGC set: the operator's choice stands", "100", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer debug.SetGCPercent(debug.SetGCPercent(100))
			hold := collectLess(func(k string) string {
				if k == "GOGC" {
					return tt.gogc
				}
				return ""
			})
			if got := gcPercent(); got != tt.want {
				t.Errorf("while serving: GC target %d, want %d", got, tt.want)
			}
			hold.release()
			if got := gcPercent(); got != 100 {
				t.Errorf("after serving: GC target %d, want the one before, 100", got)
			}
		})
	}
}

// seenFloor returns a floor of its own (not the process's) whose tuning
// is sent on the returned channel.
func seenFloor() (*gcFloor, chan int) {
	tuned := make(chan int, 256)
	return &gcFloor{tuned: func(p int) {
		select {
		case tuned <- p:
		default:
		}
	}}, tuned
}

// collected runs garbage collections until a cleanup of its own has run
// after one, so that the cleanups queued by that collection had their turn
// too, and fails a hang after a minute.
func collected(t *testing.T) {
	t.Helper()
	ran := make(chan struct{}, 1)
	runtime.AddCleanup(&sentinel{}, func(ch chan struct{}) { ch <- struct{}{} }, ran)
	bound := time.After(time.Minute)
	for {
		runtime.GC()
		select {
		case <-ran:
			return
		case <-bound:
			t.Fatal("no cleanup ran after a minute of collections")
		case <-time.After(10 * time.Millisecond): // collect again: the probe's collection may still be running
		}
	}
}

// nextTuned returns the next GOGC the floor set, collecting until it sets
// one; it fails a hang after a minute.
func nextTuned(t *testing.T, tuned chan int) int {
	t.Helper()
	bound := time.After(time.Minute)
	for {
		runtime.GC()
		select {
		case p := <-tuned:
			return p
		case <-bound:
			t.Fatal("the floor set no GOGC after a minute of collections")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestServeCollectsAsUsualWithALargeLiveHeap checks that the floor tunes
// GOGC after each collection, not once: once a collection finds a live heap
// of half the floor or more, serve goes back to the runtime's default
// target (a daemon holding large results is not let grow to five times
// them), and up again once it is let go.
func TestServeCollectsAsUsualWithALargeLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	f, tuned := seenFloor()
	h := f.hold()
	defer h.release()
	if p := nextTuned(t, tuned); p == 100 {
		t.Skipf("the test process's own live heap is already %d or more: nothing to see", heapFloor/2)
	}
	held := make([]byte, heapFloor) // live: twice the floor's half
	for i := range held {
		held[i] = 1
	}
	for p := nextTuned(t, tuned); p != 100; p = nextTuned(t, tuned) {
	}
	if got := gcPercent(); got != 100 {
		t.Fatalf("GC target %d after a collection found %d MiB live, want 100", got, len(held)>>20)
	}
	runtime.KeepAlive(held)
	held = nil
	for p := nextTuned(t, tuned); p == 100; p = nextTuned(t, tuned) {
	}
}

// TestServeFloorEndsWithTheLastServe checks that two serves share the
// floor: the GOGC from before the first comes back when the last returns,
// and no collection after that changes it.
func TestServeFloorEndsWithTheLastServe(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(123))
	f, tuned := seenFloor()
	first, second := f.hold(), f.hold()
	nextTuned(t, tuned)
	first.release()
	first.release() // a release called twice counts once
	if got := gcPercent(); got == 123 {
		t.Fatalf("GC target back to the one before with a serve still running")
	}
	nextTuned(t, tuned)
	second.release()
	if got := gcPercent(); got != 123 {
		t.Fatalf("GC target %d after the last serve returned, want the one before, 123", got)
	}
	for range 3 {
		collected(t)
	}
	if got := gcPercent(); got != 123 {
		t.Errorf("GC target %d after collections once the last serve returned, want 123", got)
	}
	select {
	case p := <-tuned:
		t.Errorf("the floor set GOGC %d after the last serve returned", p)
	default:
	}
}

// heapProbe is an executor that records the heap goal and the live heap
// while it executes.
type heapProbe struct{ goal, live *uint64 }

func (p heapProbe) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	*p.goal, *p.live = s[0].Value.Uint64(), s[1].Value.Uint64()
	return framework.ToolOutput{Status: framework.StatusSuccess}
}

// TestRunOverALongListLeavesItsSendRoom checks that a run over a long list
// (settleAbove targets) lets its heap grow about sendHeadroom past the live
// heap before the next collection: the bodies its send holds in flight,
// live until posted, do not start collections that find them live and
// mark the list for nothing. A run over one target keeps serve's floor.
func TestRunOverALongListLeavesItsSendRoom(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set in the test's environment: the operator's choice stands")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var lines strings.Builder
	for i := range settleAbove {
		fmt.Fprintf(&lines, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		targets []string
		lifted  bool
	}{
		{"one target: serve's floor", []string{"--target", "127.0.0.1"}, false},
		{"a long list: room for the send", []string{"--targets-file", file}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A collection first: the live heap the floor reads is the
			// last collection's, which an earlier test of the shuffled
			// package may have run while it held tens of MiB (live 68
			// MiB, goal 342 MiB: room past the floor's bound).
			runtime.GC()
			var goal, live uint64
			r := framework.NewRegistry()
			r.Register("heapprobe", func() framework.Executor { return heapProbe{&goal, &live} })
			env := map[string]string{"CONTAINER_IP": "172.17.0.2", "INJECTKIT_OUTBOX": filepath.Join(dir, "outbox.db")}
			o := Options{Registry: r, Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
				Getenv: func(k string) string { return env[k] }}
			args := append([]string{"injectkit", "run", "heapprobe"}, tt.targets...)
			if code := Run(context.Background(), o, args); code != 0 {
				t.Fatalf("run: exit %d", code)
			}
			// The goal set before the list's collection is tuned again
			// after it, from the live heap it found: half the headroom
			// at least either way.
			room := goal - min(goal, live)
			if got := room >= sendHeadroom/2; got != tt.lifted {
				t.Errorf("while the inject ran: heap goal %d MiB, live %d MiB: room %d MiB; want %d MiB or more: %v",
					goal>>20, live>>20, room>>20, sendHeadroom>>21, tt.lifted)
			}
		})
	}
}

// TestGCPercentForLeavesTheSendsHeadroom checks the GOGC chosen for a
// lifted hold (a run over a long list): a goal sendHeadroom past the live
// heap, and the default once that is twice the live heap or less.
func TestGCPercentForLeavesTheSendsHeadroom(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		live uint64
		want int
	}{
		{0, 1600}, // no collection yet: the runtime's least goal, 4 MiB scaled by GOGC
		{8 * mib, 800},
		{13 * mib, 492},
		{32 * mib, 200},
		{64 * mib, 100},
		{200 * mib, 100},
	}
	for _, tt := range tests {
		if got := gcPercentFor(tt.live, sendHeadroom); got != tt.want {
			t.Errorf("gcPercentFor(%d MiB, %d MiB) = %d, want %d", tt.live/mib, sendHeadroom/mib, got, tt.want)
		}
	}
}
