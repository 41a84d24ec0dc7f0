package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
	ucli "github.com/urfave/cli/v2"
)

// listDescription is the help of `outbox list`: what its -o json prints,
// every field name (TestListHelpNamesEveryJSONField), and how it bounds
// what it cannot show whole.
const listDescription = "OUTPUT (-o json): one JSON object, its field names stable:\n" +
	"   outbox, pending, dead, bytes, max_bytes, records ([] when empty), and only when they apply not_shown (the records\n" +
	"   --limit left out), incomplete (sends not all stored: id, inject_id, phase, total_chunks, stored, base_url, created,\n" +
	"   owner, state, and when known url, profile, injector_id, owner_start) and unfinished_runs (inject_id, unfinished,\n" +
	"   runs: id, inject_id, owner, started, state, owner_start).\n" +
	"   A record: id, state (pending or dead), inject_id, phase, chunk_index, total_chunks, base_url, url, idempotency_key,\n" +
	"   size (bytes), attempts, next_attempt, created (UTC, RFC 3339), next (the NEXT column); and only when they apply\n" +
	"   profile, injector_id, sha256, unanswered, unanswered_other, interrupted, last_error, last_status, owner,\n" +
	"   owner_start, lease_until, dead_status, dead_body, dead_reason, dead_at.\n" +
	"   With --summary: outbox, pending, dead, bytes, max_bytes, backends, each with owner, pending, dead, bytes, and\n" +
	"   when known base_url, profile, oldest.\n" +
	"   No body is shown: its size and sha256 only. dead_body, the backend's answer, is its first 4 KiB at most, secrets\n" +
	"   withheld, bytes that are not UTF-8 as U+FFFD; the table quotes last_error with Go escapes and cuts it short.\n" +
	"   URLs never show their credentials (user:password@)."

// outboxListJSON is what `outbox list -o json` prints.
type outboxListJSON struct {
	Outbox   string             `json:"outbox"`
	Pending  int                `json:"pending"`
	Dead     int                `json:"dead"`
	Bytes    int64              `json:"bytes"`
	MaxBytes int64              `json:"max_bytes"`
	Records  []outboxRecordJSON `json:"records"`
	// NotShown counts the records --limit left out; omitted when none
	// were.
	NotShown int `json:"not_shown,omitempty"`
	// Incomplete are the sends of several bodies not all stored (see
	// outbox_incomplete.go); omitted when there are none.
	Incomplete []outboxIncompleteJSON `json:"incomplete,omitempty"`
	// UnfinishedRuns are, by inject, the runs serve started whose end is
	// not recorded (see outbox_starts.go); omitted when there are none.
	UnfinishedRuns []outboxStartsJSON `json:"unfinished_runs,omitempty"`
}

// outboxRecordJSON is a record with what list says of its next attempt.
type outboxRecordJSON struct {
	outbox.Record
	Next string `json:"next"`
}

// MarshalJSON leaves out the fields a record whose metadata is lost
// (outbox.Record.MetadataLost) no longer knows, as the table shows them
// "-": unknown, not empty, zero or created at the zero time.
func (r outboxRecordJSON) MarshalJSON() ([]byte, error) {
	type plain outboxRecordJSON
	if !r.MetadataLost() {
		return json.Marshal(plain(r))
	}
	type lost *struct{} // hides plain's field of its name
	return json.Marshal(struct {
		plain
		InjectID       lost `json:"inject_id,omitempty"`
		Phase          lost `json:"phase,omitempty"`
		ChunkIndex     lost `json:"chunk_index,omitempty"`
		TotalChunks    lost `json:"total_chunks,omitempty"`
		BaseURL        lost `json:"base_url,omitempty"`
		URL            lost `json:"url,omitempty"`
		IdempotencyKey lost `json:"idempotency_key,omitempty"`
		NextAttempt    lost `json:"next_attempt,omitempty"`
		Created        lost `json:"created,omitempty"`
	}{plain: plain(r)})
}

// utcRecord returns r with its times in UTC, as list's table and every
// other time injectkit prints: a record stores the offset of the process
// that wrote it (run under TZ=America/New_York: -05:00), which -o json
// would print as is.
func utcRecord(r outbox.Record) outbox.Record {
	for _, t := range []*time.Time{&r.Interrupted, &r.NextAttempt, &r.Created, &r.LeaseUntil, &r.DeadAt} {
		*t = t.UTC()
	}
	return r
}

// listOutbox prints the outbox's counts and its records, as a table or,
// with -o json, one JSON object: every record, the first --limit, or, with
// --summary, the counts by backend (outbox_summary.go). The records are
// written as they are read, a page at a time (outbox_list_stream.go): a
// run or serve storing meanwhile waits for one page, never for the whole
// listing, and the first interrupt stops it (exit 130).
func listOutbox(c *ucli.Context, o Options, e *outboxEnv) error {
	summary, limit, err := listBounds(e.cfg)
	switch {
	case err != nil:
		return err
	case summary:
		return listSummary(c.Context, o, e)
	}
	var (
		st      outbox.Stats
		sends   []outbox.Incomplete
		started []outbox.StartedRun
	)
	err = e.readInterruptibly(c.Context, "outbox list", func() (err error) {
		if st, err = e.store.Stats(); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if sends, err = e.store.Incomplete(); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if started, err = e.store.Starts(); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	starts := startsByInject(e.store, started)
	l := recordListing{ctx: c.Context, e: e, limit: limit, total: st.Pending + st.Dead, now: time.Now(), corrupt: &corruptCount{}}
	hidden := func(listed int) int {
		if limit == 0 {
			return 0
		}
		return max(st.Pending+st.Dead-listed, 0)
	}
	if e.cfg.output() == outputJSON {
		head := outboxListJSON{Outbox: e.store.Path(), Pending: st.Pending, Dead: st.Dead, Bytes: st.Bytes,
			MaxBytes: e.store.MaxBytes(), Incomplete: incompleteJSON(e.store, sends), UnfinishedRuns: starts}
		_, err := l.writeJSON(o.Stdout, head, hidden)
		return err
	}
	listHeader(o, e, st)
	writeIncomplete(o.Stdout, o, e.store, sends, false)
	writeStarts(o.Stdout, o, starts)
	n, err := l.writeTable(o.Stdout)
	if err != nil {
		return err
	}
	l.corrupt.say(o, e.store.Path())
	notShown(o, hidden(n), limit)
	return nil
}

// droppedRecord says what drop removed, r: "pending inject X chunk 0/1",
// its fields shown as list shows them, a corrupt record's ended by
// ", corrupt: never sent".
func droppedRecord(r outbox.Record) string {
	f := shownFields(r)
	s := fmt.Sprintf("%s inject %s chunk %s", r.State, f.inject, f.chunk)
	if r.Corrupt() {
		s += ", " + corruptNext
	}
	return s
}

// unknownField is how list and drop show a field of a record whose
// stored metadata was lost (outbox.Record.MetadataLost): -o json leaves
// it empty.
const unknownField = "-"

// recordFields are the fields of a record as list and drop show them.
type recordFields struct{ inject, phase, chunk, owner string }

// shownFields returns the fields of r, each unknownField when r's
// metadata was lost.
func shownFields(r outbox.Record) recordFields {
	if r.MetadataLost() {
		return recordFields{unknownField, unknownField, unknownField, unknownField}
	}
	return recordFields{r.InjectID, r.Phase, fmt.Sprintf("%d/%d", r.ChunkIndex, r.TotalChunks), owner(r)}
}

// none answers an outbox command on an outbox file that does not exist,
// or is empty.
func (e *outboxEnv) none(c *ucli.Context, o Options, command string) error {
	why := e.why
	switch command {
	case "list":
		if summary, _, err := listBounds(e.cfg); err != nil {
			return err
		} else if summary && e.cfg.output() == outputJSON {
			return writeJSON(o, outboxSummaryJSON{Outbox: e.absent, MaxBytes: e.cfg.outbox().MaxBytes, Backends: []backendSummary{}})
		}
		if e.cfg.output() == outputJSON {
			return writeJSON(o, outboxListJSON{Outbox: e.absent, MaxBytes: e.cfg.outbox().MaxBytes, Records: []outboxRecordJSON{}})
		}
		fmt.Fprintf(o.Stdout, "outbox %s: 0 pending, 0 dead (%s)\n", e.absent, why)
		return nil
	case "flush":
		fmt.Fprintf(o.Stdout, "outbox %s: nothing to send (%s)\n", e.absent, why)
		return nil
	case "compact":
		fmt.Fprintf(o.Stdout, "outbox %s: nothing to compact (%s)\n", e.absent, why)
		return nil
	case "move":
		return e.moveNone(o)
	case "drop":
		if dropSelected(e.cfg) {
			if _, err := readDropSelection(c, o, e.cfg, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(o.Stdout, "outbox %s: nothing to drop (%s)\n", e.absent, why)
			return nil
		}
	}
	id, err := parseID(c, o, command == "drop")
	if err != nil {
		return err
	}
	return usageErr("invalid id %q: not found in outbox %s (%s)", id.given, e.absent, why)
}

// age says how long ago a record was stored; unknownField when that is
// not known (its metadata lost).
func age(r outbox.Record, now time.Time) string {
	if r.MetadataLost() || r.Created.IsZero() {
		return unknownField
	}
	return now.Sub(r.Created).Round(time.Second).String()
}

// corruptNext is what list says of the next attempt of a corrupt record
// (outbox.Record.Corrupt), pending (the next flush moves it to the dead
// list) or dead, and drop of the record it removes.
const corruptNext = "corrupt: never sent"

// nextAttempt says when a record is sent next: "due", "in 5s", "dead",
// "dead: status 400", "being sent by pid 42", or corruptNext.
func nextAttempt(s *outbox.Store, r outbox.Record, now time.Time) string {
	switch {
	case r.Corrupt():
		return corruptNext
	case r.State == outbox.Dead && r.DeadStatus != 0:
		return "dead: status " + strconv.Itoa(r.DeadStatus)
	case r.State == outbox.Dead:
		return "dead"
	case s.Busy(r):
		return "being sent by pid " + strconv.Itoa(r.Owner)
	case !r.NextAttempt.After(now):
		return "due"
	}
	return "in " + r.NextAttempt.Sub(now).Round(time.Second).String()
}

// humanBytes writes n bytes in binary units: "512 B", "1.5 KiB", "12 MiB",
// "1.0 GiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	suffix := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, suffix)
	}
	return fmt.Sprintf("%.0f %s", v, suffix)
}

// cutLine joins the lines of s and cuts it after at most n bytes, on a
// character's start: a backend's words in UTF-8 (é, 日本) are never cut
// within a character, which would print bytes that are not UTF-8.
func cutLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}

// owner names whom a record belongs to: its backend, its wire profile,
// its platform's tenant when it has one and, for a daemon's record, the
// injector id.
func owner(r outbox.Record) string {
	profile := r.Profile
	if profile == "" {
		profile = "callback"
	}
	s := r.BaseURL + " (" + profile
	if tenant, ok := openaev.Tenant(r); ok {
		s += ", tenant " + tenant
	}
	if r.InjectorID != "" {
		s += ", injector " + r.InjectorID
	}
	return s + ")"
}
