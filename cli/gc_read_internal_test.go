package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/runtime"
)

// TestReadingALongListLiftsTheHeap checks that reading a long targets
// file (settleAbove lines) lifts the run's heap as it reads it: once read,
// the heap may grow about sendHeadroom past the live heap before the next
// collection. At serve's floor (a goal of heapFloor, then twice the live
// heap) the read collected before settle did, and settle's collection
// marked the same list again (W1 at 100k: 10–40 ms of CPU); a short list
// keeps the floor.
func TestReadingALongListLiftsTheHeap(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set in the test's environment: the operator's choice stands")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	dir := t.TempDir()
	tests := []struct {
		name   string
		lines  int
		lifted bool
	}{
		{"one target: serve's floor", 1, false},
		{"a long list: lifted as it is read", 2 * settleAbove, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines strings.Builder
			for i := 1; i <= tt.lines; i++ {
				fmt.Fprintf(&lines, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
			}
			file := filepath.Join(dir, fmt.Sprintf("targets-%d.txt", tt.lines))
			if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			lines.Reset()
			goruntime.GC() // the floor's goal from this test's live heap, not an earlier test's
			hold := collectLess(func(string) string { return "" })
			defer hold.release()
			cfg := runConfig{TargetsFile: file, heap: hold}
			l, err := gatherTargets(context.Background(), cfg, runtime.FileTargets{})
			if err != nil {
				t.Fatal(err)
			}
			if l.len() != tt.lines {
				t.Fatalf("%d targets read, want %d", l.len(), tt.lines)
			}
			s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
			metrics.Read(s)
			goal, live := s[0].Value.Uint64(), s[1].Value.Uint64()
			room := goal - min(goal, live)
			if got := room >= sendHeadroom/2; got != tt.lifted {
				t.Errorf("%d targets read: heap goal %d MiB, live %d MiB: room %d MiB; want %d MiB or more: %v",
					tt.lines, goal>>20, live>>20, room>>20, sendHeadroom>>21, tt.lifted)
			}
		})
	}
}
