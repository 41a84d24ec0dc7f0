package outbox

import (
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
// shows unreliable (its window); LastComplete reads it. A record whose
// window has passed is removed by the next NoteComplete.

var bucketCompletes = []byte("completes")

// CompleteNote is what the file keeps of the last "complete" of an inject
// delivered or attempted: when, and the backend's ingestion window then.
type CompleteNote struct {
	At     time.Time     `json:"at"`
	Window time.Duration `json:"window"`
}

// Until is when the window of the note ends.
func (n CompleteNote) Until() time.Time { return n.At.Add(n.Window) }

func completeKey(baseURL, injectID string) []byte {
	return []byte(baseURL + "\x00" + injectID)
}

// NoteComplete records durably that a "complete" of inject injectID was
// delivered to the backend at baseURL, or attempted without an answer, at
// at, and that the backend may show nothing of it for window; an earlier
// note of it is replaced, and notes whose window has passed are removed.
// A window of 0 or less records nothing.
func (s *Store) NoteComplete(baseURL, injectID string, at time.Time, window time.Duration) error {
	if window <= 0 {
		return nil
	}
	note, err := json.Marshal(CompleteNote{At: at, Window: window})
	if err != nil {
		return err
	}
	now := s.opts.Now()
	return s.do(true, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCompletes)
		if err != nil {
			return err
		}
		var stale [][]byte
		err = b.ForEach(func(k, v []byte) error {
			var n CompleteNote
			if json.Unmarshal(v, &n) != nil || !now.Before(n.Until()) {
				stale = append(stale, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put(completeKey(baseURL, injectID), note)
	})
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
