package cli

import (
	"runtime/debug"
	"testing"
)

// gcPercent returns the garbage collection target in force.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
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
		{"GOGC unset", "", serveGCPercent},
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
