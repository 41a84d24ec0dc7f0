package outbox

import (
	"fmt"
	"testing"
)

// BenchmarkSharedReopen is what a Shared store (serve's) pays each time it
// lets go of the file and takes it again: a room check alone on an idle
// store opens the file and closes it.
func BenchmarkSharedReopen(b *testing.B) {
	for _, stored := range []int{0, 16} {
		b.Run(fmt.Sprintf("stored=%d", stored), func(b *testing.B) {
			s := storedFor(b, Options{Shared: true}, stored)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Usage(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
