package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Completes. A backend may answer a callback before it processes it
// (OpenAEV 2.4.0 queues its execution callbacks and processes them in
// batches, seconds later): until then, what it shows of the inject says
// nothing of that callback. So that another process (a flush, a later
// run, a daemon given the inject's message again) can tell a read made too
// early, the file remembers, per base URL and inject, when a caller last
// delivered the inject's "complete" or attempted it without getting an
// answer (NoteComplete), and for how long that makes what the backend
// shows unreliable (its window: its ingestion window, and longer for a
// reader that knows the backend set the callback aside); LastComplete
// reads it. A record whose window has passed is removed by the next
// NoteComplete.

var (
	bucketCompletes = []byte("completes")
	// bucketCompletesByEnd indexes the notes by the end of their window
	// (8 bytes big-endian Unix nanoseconds, then the note's key), so that
	// removing the notes whose window has passed reads only those.
	bucketCompletesByEnd = []byte("completes-by-end")
)

// CompleteNote is what the file keeps of the last "complete" of an inject
// delivered or attempted: when, how long the note lasts (Window), and the
// backend's ingestion window then, when the note lasts longer than it
// (IngestWindow: OpenAEV's requeues of a "complete" for an inject it
// finalized meanwhile hold it longer for a reader that knows the inject
// was).
type CompleteNote struct {
	At           time.Time     `json:"at"`
	Window       time.Duration `json:"window"`
	IngestWindow time.Duration `json:"ingest_window,omitempty"`
	// Sent is when the attempt noted started (its request sent), before
	// At, when it ended (answered, or given up without an answer); zero
	// for a note made at the attempt's start, or by an earlier version.
	// The window runs from At; how long ago the "complete" was sent, from
	// Sent (SentAt).
	Sent time.Time `json:"sent,omitzero"`
}

// SentAt is when the attempt noted started: Sent, or At for a note without it.
func (n CompleteNote) SentAt() time.Time {
	if n.Sent.IsZero() || n.Sent.After(n.At) {
		return n.At
	}
	return n.Sent
}

// Until is when the window of the note ends.
func (n CompleteNote) Until() time.Time { return n.At.Add(n.Window) }

// Ingest is the backend's ingestion window the note was made with: its
// IngestWindow, or its whole Window for a note without one.
func (n CompleteNote) Ingest() time.Duration {
	if n.IngestWindow > 0 && n.IngestWindow < n.Window {
		return n.IngestWindow
	}
	return n.Window
}

func completeKey(baseURL, injectID string) []byte {
	return []byte(baseURL + "\x00" + injectID)
}

// endKey is the key of the note key in bucketCompletesByEnd.
func endKey(until time.Time, key []byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), uint64(until.UnixNano())), key...)
}

// NoteComplete records that a "complete" of inject injectID was
// delivered to the backend at baseURL, or attempted without an answer, at
// note.At, and that the backend may show nothing of it for note.Window; an
// earlier note of it is replaced, and notes whose window has passed are
// removed (through their index by the end of their window, so that a note
// costs the notes it removes, not all the file holds). A window of 0 or
// less records nothing. The note is durable within lazyDelay (with the
// first commit from then, or one of its own) or once the Store closes; another process reads it from then. The
// error is that of a note written once Close was called; a note written
// lazily that fails is reported by Close (an *UnwrittenError).
func (s *Store) NoteComplete(baseURL, injectID string, note CompleteNote) error {
	if note.Window <= 0 {
		return nil
	}
	raw, err := json.Marshal(note)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	key := completeKey(baseURL, injectID)
	fn := func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCompletes)
		if err != nil {
			return err
		}
		ends, err := tx.CreateBucketIfNotExists(bucketCompletesByEnd)
		if err != nil {
			return err
		}
		if err := pruneCompletes(b, ends, now); err != nil {
			return err
		}
		if old := b.Get(key); old != nil {
			var n CompleteNote
			if json.Unmarshal(old, &n) == nil {
				if err := ends.Delete(endKey(n.Until(), key)); err != nil {
					return err
				}
			}
		}
		if err := ends.Put(endKey(note.Until(), key), nil); err != nil {
			return err
		}
		return b.Put(key, raw)
	}
	// Written lazily, patient: with the first commit once it is due
	// (lazyDelay after now) or once patientBatch notes wait (see
	// takeLazy): a caller does not wait for a commit of its own, and the
	// notes' pages are rewritten by one commit in several, not by each.
	// Close waits for it, and reports its failure.
	return s.writeSoonAs(true, "the note of inject "+injectID+"'s complete", fn)
}

// pruneCompletes removes the notes whose window ended by now, in the
// order of their ends.
func pruneCompletes(b, ends *bolt.Bucket, now time.Time) error {
	c := ends.Cursor()
	for k, _ := c.First(); k != nil && len(k) >= 8; k, _ = c.First() {
		if int64(binary.BigEndian.Uint64(k)) > now.UnixNano() {
			return nil
		}
		if err := b.Delete(k[8:]); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// LastComplete returns the note of the last "complete" of inject injectID
// delivered to the backend at baseURL or attempted (see NoteComplete); ok
// is false when there is none, or its window has passed.
func (s *Store) LastComplete(baseURL, injectID string) (note CompleteNote, ok bool, err error) {
	err = s.do(false, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCompletes)
		if b == nil {
			return nil
		}
		v := b.Get(completeKey(baseURL, injectID))
		ok = v != nil && json.Unmarshal(v, &note) == nil && s.opts.Now().Before(note.Until())
		return nil
	})
	return note, ok, err
}

// Completes returns the notes of the backend at baseURL whose window has
// not passed, by inject id: what a daemon loads once when it starts (see
// LastComplete for one inject).
func (s *Store) Completes(baseURL string) (map[string]CompleteNote, error) {
	notes := map[string]CompleteNote{}
	prefix := completeKey(baseURL, "")
	now := s.opts.Now()
	err := s.do(false, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCompletes)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var n CompleteNote
			if json.Unmarshal(v, &n) == nil && now.Before(n.Until()) {
				notes[string(k[len(prefix):])] = n
			}
		}
		return nil
	})
	return notes, err
}
