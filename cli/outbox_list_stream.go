package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/injectkit/injectkit/transport/outbox"
)

// `outbox list` writes its records as it reads them, a page at a time
// (outbox.Store.Walk): it held them all before writing the first, some
// 3.6 GB for an outbox a week of refusals filled (a million bodies). The
// first interrupt stops it between two records (exit 130).

// listColumns is the header of list's table; each row has as many cells.
var listColumns = []string{"ID", "STATE", "INJECT", "PHASE", "CHUNK", "SIZE", "ATTEMPTS", "AGE", "NEXT", "LAST ERROR", "OWNER"}

// listPadding is the spaces after the widest cell of a column.
const listPadding = 2

// listRow returns the cells of r's row of list's table.
func listRow(s *outbox.Store, r outbox.Record, now time.Time) []string {
	r = corruptShown(r)
	f := shownFields(r)
	return []string{fmt.Sprint(r.ID), string(r.State), f.inject, f.phase, f.chunk, humanBytes(int64(r.Size)),
		fmt.Sprint(r.Attempts), age(r, now), nextAttempt(s, r, now), cutLine(r.LastError, 120), f.owner}
}

// recordListing is one `outbox list` of records.
type recordListing struct {
	ctx context.Context // its end (the first interrupt) stops the listing
	e   *outboxEnv
	// limit is how many records are listed, the first ones (0: every
	// one), of the total the outbox counted before the listing began.
	limit, total int
	now          time.Time // the time AGE and NEXT are counted from
	// firstRows is how many rows a table holds to size its columns
	// (listFirstRows when 0).
	firstRows int
	// corrupt, when not nil, counts the corrupt records listed.
	corrupt *corruptCount
}

// errReaderLeft ends a listing whose stdout's reader stopped reading
// (see readerLeft): the listing exits as it would have had it been read
// to its end, saying nothing, as `ls | head` does.
var errReaderLeft = errors.New("stdout's reader stopped reading")

// walk calls fn with the records listed, a page at a time, and returns how
// many it was called with. An interrupt stops it between two records, and
// so does out's reader leaving (errReaderLeft): `outbox list | head` walked
// a million records after head had exited, for a minute, their rows
// dropped.
func (l recordListing) walk(out io.Writer, fn func(outbox.Record) error) (int, error) {
	n := 0
	err := l.e.store.Walk(l.ctx, func(r outbox.Record) error {
		if err := fn(r); err != nil {
			return err
		}
		l.corrupt.add(r)
		n++
		if readerLeft(out) {
			return errReaderLeft
		}
		if l.limit > 0 && n == l.limit {
			return outbox.ErrStopWalk
		}
		return nil
	})
	return n, err
}

// error is the exit of a listing that failed after it wrote listed
// records: none when its reader left (errReaderLeft); 130 when an interrupt
// (its ctx ending) stopped it, saying how many of its total it wrote; a
// stdout not written as it is (Run says so); 2 otherwise (the outbox could
// not be read).
func (l recordListing) error(listed int, err error) error {
	switch total := l.total; {
	case err == nil, errors.Is(err, errReaderLeft):
		return nil
	case l.ctx.Err() != nil:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("outbox list interrupted: %d of %d %s listed; %s: %w",
			listed, total, plural(total, "record", "records"), outboxExitSays("list"), context.Cause(l.ctx))}
	case errors.As(err, new(*stdoutError)):
		return err
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// listFirstRows is how many rows list's table holds before it writes
// its first: their cells size the columns (a page of outbox.Store.Walk).
const listFirstRows = 4096

// writeTable writes list's table of the records listed and returns how
// many rows it wrote. A table of at most firstRows rows (listFirstRows
// when 0) is aligned as text/tabwriter aligns it: each column as wide as
// its widest cell, header included, then listPadding spaces, the last
// column not padded. A longer one is written as it is read: the columns
// are sized by the first firstRows rows, the ID column by the highest id
// stored, and a later cell wider than its column is followed by
// listPadding spaces, never cut. It measured every record before writing
// the first (14 s before the first row at 100 000 bodies, minutes at a
// million). Nothing is written when the outbox holds no record.
func (l recordListing) writeTable(w io.Writer) (int, error) {
	widths := make([]int, len(listColumns)-1)
	measure := func(cells []string) {
		for i, c := range cells[:len(widths)] {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	row := func(cells []string) error {
		line = line[:0]
		for i, c := range cells[:len(widths)] {
			line = append(line, c...)
			line = append(line, strings.Repeat(" ", max(widths[i]-utf8.RuneCountInString(c), 0)+listPadding)...)
		}
		line = append(append(line, cells[len(widths)]...), '\n')
		_, err := bw.Write(line)
		return err
	}
	firstRows := cmp.Or(l.firstRows, listFirstRows)
	var first [][]string // the rows held until the columns are sized
	held := true
	// writeFirst sizes the columns by the rows held, more after them or
	// not, and writes the header and those rows.
	writeFirst := func(more bool) error {
		held = false
		measure(listColumns)
		for _, cells := range first {
			measure(cells)
		}
		if more {
			highest, err := l.e.store.HighestID()
			if err != nil {
				return err
			}
			widths[0] = max(widths[0], len(strconv.FormatUint(highest, 10)))
		}
		if err := row(listColumns); err != nil {
			return err
		}
		for _, cells := range first {
			if err := row(cells); err != nil {
				return err
			}
		}
		first = nil
		if more {
			// The first page is on the screen at once, not once 64 KiB
			// of rows more were read.
			return bw.Flush()
		}
		return nil
	}
	n, err := l.walk(w, func(r outbox.Record) error {
		cells := listRow(l.e.store, r, l.now)
		if !held {
			return row(cells)
		}
		if len(first) == firstRows {
			if err := writeFirst(true); err != nil {
				return err
			}
			return row(cells)
		}
		first = append(first, cells)
		return nil
	})
	if held && len(first) > 0 && !errors.Is(err, errReaderLeft) {
		// Read to its end (or interrupted, or failed): the rows read
		// are written whole, a listing cut short ending after a row.
		if ferr := writeFirst(false); err == nil {
			err = ferr
		}
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, l.error(n, err)
}

// listRecordsMarker is where the records go in list's -o json object
// marshalled without them: a line of its own, which no JSON string holds.
const listRecordsMarker = "\n  \"records\": []"

// writeJSON writes list's -o json object, head (its counts, its
// incomplete sends and unfinished runs; its records left empty) with the
// records listed, walked a page at a time, as
// json.MarshalIndent writes it whole, and returns how many records it
// wrote. notShown says, once they were walked, how many records the limit
// left out. An interrupted listing ends after a record, the object not
// closed: what reads it fails, rather than take a listing cut short for
// all there is.
func (l recordListing) writeJSON(w io.Writer, head outboxListJSON, notShown func(listed int) int) (int, error) {
	head.Records = []outboxRecordJSON{}
	before, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encode JSON: %w", err)
	}
	at := bytes.Index(before, []byte(listRecordsMarker))
	if at < 0 {
		return 0, fmt.Errorf("encode JSON: no records field in %T", head)
	}
	open := at + len(listRecordsMarker) - 2 // the records' "["
	bw, first := bufio.NewWriterSize(w, 64<<10), true
	if _, err := bw.Write(before[:open+1]); err != nil {
		return 0, err
	}
	n, err := l.walk(w, func(r outbox.Record) error {
		b, err := json.MarshalIndent(outboxRecordJSON{Record: utcRecord(corruptShown(r)), Next: nextAttempt(l.e.store, r, l.now)}, "    ", "  ")
		if err != nil {
			return fmt.Errorf("encode JSON: %w", err)
		}
		sep := ",\n    "
		if first {
			sep, first = "\n    ", false
		}
		if _, err := bw.WriteString(sep); err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	})
	if err == nil {
		head.NotShown = notShown(n)
		err = writeListJSONEnd(bw, head, n)
	}
	// The records walked are written whole, those of a listing
	// interrupted included: it ends after a record, never within one.
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, l.error(n, err)
}

// writeListJSONEnd writes what follows the n records of list's -o json
// object head: the records' end, then its fields after them.
func writeListJSONEnd(w *bufio.Writer, head outboxListJSON, n int) error {
	after, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	at := bytes.Index(after, []byte(listRecordsMarker))
	if at < 0 {
		return fmt.Errorf("encode JSON: no records field in %T", head)
	}
	if n > 0 {
		if _, err := w.WriteString("\n  "); err != nil {
			return err
		}
	}
	if _, err := w.Write(after[at+len(listRecordsMarker)-1:]); err != nil {
		return err
	}
	return w.WriteByte('\n')
}
