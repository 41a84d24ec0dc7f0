package outbox

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkSharedReopen is what a Shared store (serve's) pays each time it
// lets go of the file and takes it again: a room check alone on an idle
// store opens the file and closes it.
func BenchmarkSharedReopen(b *testing.B) {
	for _, stored := range []int{0, 16} {
		b.Run(fmt.Sprintf("stored=%d", stored), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "outbox.db"), Options{Shared: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := range stored {
				if _, err := s.Put(Entry{InjectID: fmt.Sprintf("inj-%d", i), Phase: "execution_complete",
					BaseURL: "http://127.0.0.1:1", Body: []byte(`{"x":1}`)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Usage(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
