package outbox

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/internal/httpx"
)

// Incomplete sends. A put of several transactions is durable one
// transaction at a time, and a Deliverer posts the first bodies while the
// next ones are stored: a process killed meanwhile leaves the first bodies
// (delivered, or pending) and never stores the others, whose signatures
// are then lost. So that the loss is never silent, the first transaction
// of such a put also writes a small record of the send (the "sends"
// bucket), each later one updates its count of bodies stored, and the last
// one removes it: no commit of its own. A record whose process is no
// longer alive (see Storing) is a send that lost bodies; it stays until
// dropped (Drop).

var bucketSends = []byte("sends")

// Incomplete is the record of a send of several bodies not all stored: its
// process is storing them (Storing), or ended before it stored the last.
type Incomplete struct {
	// ID is the record's outbox id, which Drop takes; no body has it.
	ID          uint64 `json:"id"`
	InjectID    string `json:"inject_id"`
	Phase       string `json:"phase"`
	TotalChunks int    `json:"total_chunks"`
	// Stored is how many bodies were stored: chunks 0 to Stored-1; the
	// others never were.
	Stored  int    `json:"stored"`
	BaseURL string `json:"base_url"`
	// URL is where its bodies are posted, as a Record's (empty in the
	// record of a send by an earlier version).
	URL        string    `json:"url,omitempty"`
	Profile    string    `json:"profile,omitempty"`
	InjectorID string    `json:"injector_id,omitempty"`
	Created    time.Time `json:"created"`
	// Owner is the pid of the process that stored the bodies, OwnerStart
	// its start time (see Record.Owner).
	Owner      int    `json:"owner"`
	OwnerStart uint64 `json:"owner_start,omitempty"`
}

// sendMark follows the record of one put of several bodies (see put): 0
// bodies stored and no record until its first transaction commits. A nil
// *sendMark (a put of one body) keeps none.
type sendMark struct {
	id     uint64 // the record's id, 0 while there is none
	n      int    // bodies announced
	stored int    // bodies committed
	// nextID and nextStored are id and stored once the transaction
	// running write commits (it may run again: see Store.write).
	nextID     uint64
	nextStored int
}

// write updates, in the transaction storing entries, the record of the
// put: created by the first transaction of a put that needs more, its
// count updated by the next ones, removed by the last; a put of one
// transaction has none. committed applies it once tx committed.
func (m *sendMark) write(tx *bolt.Tx, s *Store, entries []Entry, now time.Time) error {
	if m == nil {
		return nil
	}
	stored := m.stored + len(entries)
	m.nextID, m.nextStored = 0, stored
	if stored >= m.n {
		return deleteSend(tx, m.id)
	}
	b, err := tx.CreateBucketIfNotExists(bucketSends)
	if err != nil {
		return err
	}
	in := Incomplete{ID: m.id, Stored: stored}
	if m.id == 0 {
		if in.ID, err = tx.Bucket(bucketMeta).NextSequence(); err != nil {
			return err
		}
		e := entries[0]
		in.InjectID, in.Phase, in.TotalChunks = e.InjectID, e.Phase, m.n
		in.BaseURL, in.URL, in.Profile, in.InjectorID = httpx.StripCredentials(e.BaseURL), entryURL(e), e.Profile, e.InjectorID
		in.Created, in.Owner, in.OwnerStart = now, s.pid, s.start
	} else if err := json.Unmarshal(b.Get(key(m.id)), &in); err != nil {
		return fmt.Errorf("send record %d: %w", m.id, err)
	}
	in.Stored = stored
	raw, err := json.Marshal(in)
	if err != nil {
		return err
	}
	m.nextID = in.ID
	return b.Put(key(in.ID), raw)
}

// Record returns a record of the send's bodies as far as the send says
// where they go (inject, phase, profile, injector, base URL, URL), for a
// selection of records (a flush's) to apply to the send alike.
func (in Incomplete) Record() Record {
	return Record{InjectID: in.InjectID, Phase: in.Phase, Profile: in.Profile, InjectorID: in.InjectorID,
		BaseURL: in.BaseURL, URL: in.URL, TotalChunks: in.TotalChunks}
}

// committed applies the write of the transaction that committed.
func (m *sendMark) committed() {
	if m != nil {
		m.id, m.stored = m.nextID, m.nextStored
	}
}

// sendID returns the id of the record of the put, 0 when it has none.
func (m *sendMark) sendID() uint64 {
	if m == nil {
		return 0
	}
	return m.id
}

// deleteSend removes the record of a send, if there is one (id not 0).
func deleteSend(tx *bolt.Tx, id uint64) error {
	if b := tx.Bucket(bucketSends); b != nil && id != 0 {
		return b.Delete(key(id))
	}
	return nil
}

// findSend returns the record of a send, ok false when there is none.
func (s *Store) findSend(tx *bolt.Tx, id uint64) (Incomplete, bool, error) {
	b := tx.Bucket(bucketSends)
	if b == nil {
		return Incomplete{}, false, nil
	}
	raw := b.Get(key(id))
	if raw == nil {
		return Incomplete{}, false, nil
	}
	var in Incomplete
	if err := json.Unmarshal(raw, &in); err != nil {
		return Incomplete{}, false, &CorruptError{Path: s.path, Err: fmt.Errorf("send record %d: %w", id, err)}
	}
	return in, true, nil
}

// Incomplete returns the records of the sends not all stored, by id: those
// being stored now (Storing) and those whose process ended first.
func (s *Store) Incomplete() ([]Incomplete, error) {
	var out []Incomplete
	err := s.do(false, func(tx *bolt.Tx) error {
		out = out[:0]
		b := tx.Bucket(bucketSends)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var in Incomplete
			if err := json.Unmarshal(v, &in); err != nil {
				return &CorruptError{Path: s.path, Err: fmt.Errorf("send record %x: %w", k, err)}
			}
			out = append(out, in)
			return nil
		})
	})
	return out, err
}

// Storing reports whether the process of an incomplete send still runs,
// storing its bodies: otherwise the bodies it did not store are lost.
func (s *Store) Storing(in Incomplete) bool {
	return in.Owner != 0 && alive(in.Owner, in.OwnerStart)
}

// DropSend removes the record of an incomplete send, once its loss is
// known, unless its process still runs, storing its bodies (a
// *BusyError). An id that is no such record is ErrNotFound.
func (s *Store) DropSend(id uint64) (Incomplete, error) {
	var in Incomplete
	err := s.do(true, func(tx *bolt.Tx) error {
		var ok bool
		var err error
		if in, ok, err = s.findSend(tx, id); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		}
		if s.Storing(in) {
			return &BusyError{Path: s.path, ID: id, Owner: in.Owner, Storing: true}
		}
		return deleteSend(tx, id)
	})
	return in, err
}
