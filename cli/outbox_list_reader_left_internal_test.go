package cli

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/outbox"
)

// manyRecordsOutbox stores n small bodies in one transaction and returns
// the outbox opened as outbox list opens it.
func manyRecordsOutbox(t *testing.T, n int) *outbox.Store {
	return filledOutbox(t, func(s *outbox.Store) {
		entries := make([]outbox.Entry, n)
		for i := range entries {
			entries[i] = outbox.Entry{InjectID: fmt.Sprintf("inject-%d", i), Phase: "execution_complete", TotalChunks: 1,
				BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)}
		}
		if _, err := s.Put(entries...); err != nil {
			t.Fatal(err)
		}
	})
}

// `outbox list | head`: once the reader is gone (EPIPE on a real pipe),
// the listing stops walking the outbox, table and -o json alike, and ends
// as a listing read to its end does (no error: exit 0, nothing said);
// read to its end, it walks every record. Before, it walked every record
// of the outbox after head had exited, its rows dropped (80 s at 1M).
func TestListStopsWhenItsReaderLeft(t *testing.T) {
	const n = 3000 // some 200 KB of table, 1.5 MB of JSON: past bufio's 64 KiB and a pipe's
	s := manyRecordsOutbox(t, n)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	writes := map[string]func(recordListing, io.Writer) (int, error){
		"table": func(l recordListing, w io.Writer) (int, error) { return l.writeTable(w) },
		"json": func(l recordListing, w io.Writer) (int, error) {
			return l.writeJSON(w, outboxListJSON{Outbox: s.Path()}, func(int) int { return 0 })
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				name     string
				out      func() io.Writer
				readAll  bool
				wantRows func(int) bool
			}{
				{"reader gone", func() io.Writer { return &stdoutWriter{w: testkit.ClosedPipe(t)} }, false, func(got int) bool { return got < n/2 }},
				{"read to its end", func() io.Writer { return &stdoutWriter{w: io.Discard} }, true, func(got int) bool { return got == n }},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					// firstRows 100: the table writes its first rows before the
					// walk ends, so a reader gone is seen after them.
					l := recordListing{ctx: context.Background(), e: &outboxEnv{store: s}, total: n, now: now, firstRows: 100}
					out := tt.out()
					got, err := write(l, out)
					if err != nil {
						t.Fatalf("listing failed: %v, want it to end as one read to its end", err)
					}
					if !tt.wantRows(got) {
						t.Errorf("%d of %d records walked", got, n)
					}
					if sw := out.(*stdoutWriter); stdoutFailed(sw) || readerLeft(sw) == tt.readAll {
						t.Errorf("stdout failed %v, reader left %v", stdoutFailed(sw), readerLeft(sw))
					}
				})
			}
		})
	}
}
