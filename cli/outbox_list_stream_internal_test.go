package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/injectkit/injectkit/transport/outbox"
)

// streamedOutbox stores n bodies in a new outbox, their cells of many
// widths (inject ids, phases, chunks, sizes, errors in UTF-8), dead those
// whose index is a multiple of 3, and returns it opened as outbox list
// opens it.
func streamedOutbox(t *testing.T, n int) *outbox.Store {
	return filledOutbox(t, func(s *outbox.Store) {
		for i := range n {
			recs, err := s.Put(outbox.Entry{InjectID: "inject-" + strings.Repeat("x", i%7), Phase: []string{"p", "execution_complete"}[i%2],
				ChunkIndex: 0, TotalChunks: 1 + i%12, BaseURL: fmt.Sprintf("http://127.0.0.1:%d", 1+i%3),
				Body: bytes.Repeat([]byte("{}"), 1+i*37)})
			if err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if err := s.MoveToDead(recs[0].ID, i%5, 422, "no", "status 422: champ «"+strings.Repeat("é", i%9)+"» refusé"); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// filledOutbox makes a new outbox, fill writes its records, and returns it
// closed and opened again as outbox list opens it (shared, read-only).
func filledOutbox(t *testing.T, fill func(*outbox.Store)) *outbox.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := outbox.Open(path, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := outbox.Open(path, outbox.Options{Shared: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ro.Close() })
	return ro
}

// listed returns the first limit records of s (every one for 0), as
// outbox list lists them.
func listed(t *testing.T, s *outbox.Store, limit int) []outbox.Record {
	t.Helper()
	recs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if limit > 0 && limit < len(recs) {
		recs = recs[:limit]
	}
	return recs
}

// outbox list writes its table as it reads the records, and writes what
// text/tabwriter wrote of them all held at once: the same columns, as
// wide, byte for byte.
func TestListTableAsTabwriter(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		n, limit int
	}{
		{"every record", 40, 0},
		{"the first 5", 40, 5},
		{"a limit past the records", 4, 10},
		{"one record", 1, 0},
		{"none", 0, 0},
		{"as many as the first rows", 8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := streamedOutbox(t, tt.n)
			var want bytes.Buffer
			if recs := listed(t, s, tt.limit); len(recs) > 0 {
				tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, strings.Join(listColumns, "\t"))
				for _, r := range recs {
					fmt.Fprintln(tw, strings.Join(listRow(s, r, now), "\t"))
				}
				if err := tw.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			var got bytes.Buffer
			l := recordListing{ctx: context.Background(), e: &outboxEnv{store: s}, limit: tt.limit, total: tt.n, now: now, firstRows: 8}
			if tt.n > 8 && tt.limit == 0 {
				l.firstRows = 0 // listFirstRows: more than the records
			}
			n, err := l.writeTable(&got)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("table:\n%s\nwant:\n%s", got.String(), want.String())
			}
			if want := len(listed(t, s, tt.limit)); n != want {
				t.Errorf("rows = %d, want %d", n, want)
			}
		})
	}
}

// A table longer than its first rows is written as the records are
// read: the columns sized by the header and the first rows, the ID column
// by the highest id stored, each later cell wider than its column
// followed by listPadding spaces.
func TestListTableStreamed(t *testing.T) {
	const n, first = 120, 8
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	s := streamedOutbox(t, n)
	recs := listed(t, s, 0)
	widths := make([]int, len(listColumns)-1)
	for _, cells := range append([][]string{listColumns}, rowsOf(s, recs[:first], now)...) {
		for i := range widths {
			widths[i] = max(widths[i], utf8.RuneCountInString(cells[i]))
		}
	}
	widths[0] = max(widths[0], len(fmt.Sprint(n))) // the highest id, past the first rows
	var want strings.Builder
	for _, cells := range append([][]string{listColumns}, rowsOf(s, recs, now)...) {
		for i, c := range cells[:len(widths)] {
			want.WriteString(c + strings.Repeat(" ", max(widths[i]-utf8.RuneCountInString(c), 0)+listPadding))
		}
		want.WriteString(cells[len(widths)] + "\n")
	}
	var got bytes.Buffer
	l := recordListing{ctx: context.Background(), e: &outboxEnv{store: s}, total: n, now: now, firstRows: first}
	rows, err := l.writeTable(&got)
	if err != nil || rows != n {
		t.Fatalf("writeTable: %d rows, %v; want %d", rows, err, n)
	}
	if got.String() != want.String() {
		t.Errorf("table:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

// rowsOf returns the cells of recs' rows of list's table.
func rowsOf(s *outbox.Store, recs []outbox.Record, now time.Time) [][]string {
	var rows [][]string
	for _, r := range recs {
		rows = append(rows, listRow(s, r, now))
	}
	return rows
}

// list writes the header and the first rows of a long table, and so its
// first byte, once it read them, not once it read every record: it read
// them all to size the columns (14 s before the first row at 100 000
// bodies). The interrupt given at the first write stops the walk there.
func TestListTableFirstRowsBeforeTheWalkEnds(t *testing.T) {
	const n, first = 60, 10
	s := streamedOutbox(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelling{cancel: cancel}
	l := recordListing{ctx: ctx, e: &outboxEnv{store: s}, total: n, now: time.Now(), firstRows: first}
	got, err := l.writeTable(out)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitInterrupted {
		t.Fatalf("error = %v, want exit %d", err, ExitInterrupted)
	}
	// The record past the first rows is the one that had them written.
	if got != first+1 {
		t.Errorf("%d of %d records read when the first row was written, want %d", got, n, first+1)
	}
	if lines := strings.Count(out.String(), "\n"); lines != got+1 {
		t.Errorf("%d lines written, want the header and %d rows", lines, got)
	}
}

// outbox list -o json writes its object as it reads the records, and
// writes what json.MarshalIndent wrote of it whole.
func TestListJSONAsMarshalled(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		n, limit int
	}{
		{"every record", 12, 0},
		{"the first 2", 12, 2},
		{"none", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := streamedOutbox(t, tt.n)
			head := outboxListJSON{Outbox: s.Path(), Pending: 7, Dead: 5, Bytes: 99, MaxBytes: s.MaxBytes(),
				UnfinishedRuns: []outboxStartsJSON{{InjectID: "i", Unfinished: 1}}}
			recs := listed(t, s, tt.limit)
			whole := head
			whole.Records = make([]outboxRecordJSON, len(recs))
			for i, r := range recs {
				whole.Records[i] = outboxRecordJSON{Record: utcRecord(r), Next: nextAttempt(s, r, now)}
			}
			hidden := func(n int) int { return map[bool]int{true: tt.n - n}[tt.limit > 0] }
			whole.NotShown = hidden(len(recs))
			want, err := json.MarshalIndent(whole, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			l := recordListing{ctx: context.Background(), e: &outboxEnv{store: s}, limit: tt.limit, total: tt.n, now: now}
			if _, err := l.writeJSON(&got, head, hidden); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want)+"\n" {
				t.Errorf("-o json:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}

// cancelling is a stdout whose first write is the first interrupt.
type cancelling struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (c *cancelling) Write(p []byte) (int, error) {
	c.cancel()
	return c.Buffer.Write(p)
}

// The first interrupt stops a listing between two records: exit 130,
// saying how many of how many were listed, the output ending after the
// last of them, whole (a table's row, a JSON record).
func TestListInterrupted(t *testing.T) {
	const n = 1200 // more rows than list's buffer holds: it is written before the end
	s := streamedOutbox(t, n)
	for _, output := range []string{"table", "json"} {
		t.Run(output, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &cancelling{cancel: cancel}
			l := recordListing{ctx: ctx, e: &outboxEnv{store: s}, total: n, now: time.Now(), firstRows: 100}
			var (
				got int
				err error
			)
			if output == "json" {
				got, err = l.writeJSON(out, outboxListJSON{}, func(int) int { return 0 })
			} else {
				got, err = l.writeTable(out)
			}
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != ExitInterrupted {
				t.Fatalf("error = %v, want exit %d", err, ExitInterrupted)
			}
			if got == 0 || got >= n {
				t.Fatalf("listed %d of %d, want some, not all", got, n)
			}
			if want := fmt.Sprintf("outbox list interrupted: %d of %d records listed; the outbox is unchanged", got, n); !strings.Contains(err.Error(), want) {
				t.Errorf("error = %v, want %q", err, want)
			}
			text := out.String()
			switch output {
			case "json":
				if !strings.HasSuffix(text, "\n    }") || strings.Count(text, "\n    {") != got {
					t.Errorf("-o json ends %q with %d records, want %d whole", text[max(len(text)-40, 0):], strings.Count(text, "\n    {"), got)
				}
			default:
				if !strings.HasSuffix(text, "\n") || strings.Count(text, "\n") != got+1 {
					t.Errorf("table ends %q with %d lines, want %d rows and the header", text[max(len(text)-40, 0):], strings.Count(text, "\n"), got)
				}
			}
		})
	}
}

// A flush reads the outbox's records before it sends anything: the first
// interrupt stops that read (exit 130, nothing sent), where it read on
// for as long as the outbox took (a minute at a million bodies).
func TestFlushListingInterrupted(t *testing.T) {
	s := streamedOutbox(t, 30)
	tests := []struct {
		name      string
		cancelled bool
		wantCode  int
	}{
		{"read whole", false, 0},
		{"interrupted", true, ExitInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelled {
				cancel()
			}
			got, err := (&outboxEnv{store: s}).readListing(ctx)
			var ee *ExitError
			switch {
			case tt.wantCode == 0 && (err != nil || got.err != nil || pendingCounted(got) != 20 || len(got.bases) != 3):
				t.Fatalf("listing of %d pending records of %d backends, %v, %v; want 20 of 3", pendingCounted(got), len(got.bases), got.err, err)
			case tt.wantCode != 0 && (!errors.As(err, &ee) || ee.Code != tt.wantCode || !strings.Contains(err.Error(), "nothing was sent")):
				t.Fatalf("error = %v, want exit %d saying nothing was sent", err, tt.wantCode)
			}
		})
	}
}

// pendingCounted is the number of pending bodies a flush sends that l
// counted.
func pendingCounted(l listing) int {
	n := 0
	for _, b := range l.bases {
		n += b.pending.total()
	}
	return n
}
