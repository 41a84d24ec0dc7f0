package outbox_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/outbox"
)

// A PutEach in shared mode keeps the file open across its transactions,
// hands over the first body alone, lets another process in while its
// caller is slow to take a batch, and lets go of the file at the end.
func TestPutEachHoldsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	opts := outbox.Options{Shared: true, Timeout: 10 * time.Second}
	a, err := outbox.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := outbox.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	var need int64
	for i := range largeN {
		need += int64(len(chunkBody(i)))
	}
	seq := func(yield func(outbox.Entry) bool) {
		for i := range largeN {
			if !yield(outbox.Entry{InjectID: "inj", Phase: "complete", ChunkIndex: i, TotalChunks: largeN,
				BaseURL: "http://127.0.0.1:1", Body: chunkBody(i)}) {
				return
			}
		}
	}
	var batches []int
	var seen outbox.Stats
	err = a.PutEach(largeN, need, seq, func(recs []outbox.Record) {
		batches = append(batches, len(recs))
		if len(batches) == 1 {
			// Another process's operation, while this batch is not yet
			// taken: it gets the file once the put lets go of it.
			var err error
			if seen, err = b.Stats(); err != nil {
				t.Errorf("other process while the put waits: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) == 0 || batches[0] != 1 {
		t.Errorf("batches %v: want the first body alone in the first", batches)
	}
	if got := sum(batches); got != largeN {
		t.Errorf("batches %v: %d bodies, want %d", batches, got, largeN)
	}
	if seen.Pending != 1 {
		t.Errorf("other process saw %d pending during the first batch, want 1", seen.Pending)
	}
	// The put let go of the file: another process opens it at once.
	c, err := outbox.Open(path, outbox.Options{Shared: true})
	if err != nil {
		t.Fatalf("open after the put: %v", err)
	}
	st, err := c.Stats()
	if err != nil || st.Pending != largeN {
		t.Errorf("stats after the put: %+v, %v; want %d pending", st, err, largeN)
	}
	_ = c.Close()
}

func sum(s []int) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}
