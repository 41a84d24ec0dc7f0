package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// State is where a record is.
type State string

// States of a record.
const (
	Pending State = "pending" // to be (re)sent
	Dead    State = "dead"    // rejected for good; resent only after RetryDead
)

// Entry is a body to store before its first POST.
type Entry struct {
	InjectID    string
	Phase       string
	ChunkIndex  int // 0 for an unchunked body
	TotalChunks int // 1 for an unchunked body
	// BaseURL is the backend base URL; user information is removed before
	// it is stored.
	BaseURL string
	Body    []byte
	// Profile names the wire profile of a body that is not a callback
	// body of package transport ("" for one); Path is then its escaped
	// path under BaseURL. A resender picks its profile's records with
	// Resender.Select.
	Profile, Path string
	// InjectorID names the injector a daemon keeps the body for (serve's
	// --injector-id; "" for run): with BaseURL and Profile, the record's
	// owner.
	InjectorID string

	packed []byte // Body as stored (see packBody)
	idKey  string // Body's Idempotency-Key
	sum    string // hex SHA-256 of Body
}

// Record is a stored body and its delivery history.
type Record struct {
	ID             uint64 `json:"id"`
	State          State  `json:"state"`
	InjectID       string `json:"inject_id"`
	Phase          string `json:"phase"`
	ChunkIndex     int    `json:"chunk_index"`
	TotalChunks    int    `json:"total_chunks"`
	BaseURL        string `json:"base_url"`
	URL            string `json:"url"` // BaseURL and the callback path
	IdempotencyKey string `json:"idempotency_key"`
	Profile        string `json:"profile,omitempty"` // "" for the callback profile
	// InjectorID is the injector a daemon keeps the body for ("" for run
	// and for records stored before it was kept).
	InjectorID string `json:"injector_id,omitempty"`
	Size       int    `json:"size"`
	// SHA256 is the hex SHA-256 of the body as it was put; a resend checks
	// it. Records stored before it was kept have none.
	SHA256   string `json:"sha256,omitempty"`
	Attempts int    `json:"attempts"`
	// Unanswered counts those attempts that got no answer once the
	// request may have reached the backend (a connection cut, a timeout,
	// a gateway's 502 or 504: httpx.HTTPError.Unanswered): the backend may hold the body that many
	// times already. A post of the record gets it (EarlierUnanswered).
	// Earlier versions ignore it, and a record they rewrite loses it.
	Unanswered int `json:"unanswered,omitempty"`
	// UnansweredOther counts the same of the attempts that sent the
	// body's content in another form (InOtherForm), apart: a post of that
	// form gets it (EarlierUnansweredOther).
	UnansweredOther int `json:"unanswered_other,omitempty"`
	// Interrupted is when the last request started of the last attempt
	// whose process ended (killed) before its outcome was recorded (a
	// retry's, when the poster retried within the attempt: the backend
	// may hold that one): that attempt counts in
	// Attempts and Unanswered (see recoverAttempts), and a post of the
	// record gets it (InterruptedAt). Zero when there was none.
	Interrupted time.Time `json:"interrupted,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// LastStatus is the HTTP status of the backend's answer LastError
	// reports: 0 when it reports none (no answer, not sent) or the
	// record was marked before it was kept.
	LastStatus  int       `json:"last_status,omitempty"`
	NextAttempt time.Time `json:"next_attempt"`
	Created     time.Time `json:"created"`
	// Owner is the pid of the process delivering the body, until
	// LeaseUntil; 0 when none is. OwnerStart is that process's start time
	// (clock ticks after boot, field 22 of /proc/<pid>/stat), 0 when
	// unknown: a process with the same pid but another start time is not
	// the owner.
	Owner      int       `json:"owner,omitempty"`
	OwnerStart uint64    `json:"owner_start,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	// DeadStatus and DeadBody are the backend's answer that moved the
	// record to the dead list, at DeadAt; DeadReason says why it is there
	// (ReasonRejected, ReasonCorrupt or ReasonUnsendable; "" in records
	// moved before it was kept, and, in List, in a record moved as corrupt
	// whose body this version reads back and finds matching: see
	// misjudged).
	DeadStatus int       `json:"dead_status,omitempty"`
	DeadBody   string    `json:"dead_body,omitempty"`
	DeadReason string    `json:"dead_reason,omitempty"`
	DeadAt     time.Time `json:"dead_at,omitzero"`
	// Body is the body byte for byte; List leaves it nil.
	Body []byte `json:"-"`

	// unreadable is set on a record whose stored metadata cannot be
	// decoded (see readRecord).
	unreadable *unreadable
	// ownerFormat is the format version of the process that owns the
	// record (see own): 0 for an owner of an earlier version, which does
	// not write it (see olderHolder).
	ownerFormat int
	// ownerStore names, among the Stores of the owning process, the one
	// that owns the record (Store.nonce, see own): "" for an owner of an
	// earlier version, which does not write it.
	ownerStore string
}

func key(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// bucketOf returns the bucket holding records of a state.
func bucketOf(tx *bolt.Tx, st State) *bolt.Bucket {
	if st == Dead {
		return tx.Bucket(bucketDead)
	}
	return tx.Bucket(bucketPending)
}

// updatePending changes, with change, each record of ids that is pending
// and that mine accepts, and returns how many it changed; a record gone
// (dropped by hand, settled) is passed over.
func updatePending(tx *bolt.Tx, ids []uint64, mine func(Record) bool, change func(*Record)) (int, error) {
	n := 0
	for _, id := range ids {
		r, err := find(tx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			continue
		case err != nil:
			return n, err
		case r.State != Pending || !mine(r):
			continue
		}
		change(&r)
		if err := put(tx, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// find returns the record id in any state.
func find(tx *bolt.Tx, id uint64) (Record, error) {
	for _, st := range []State{Pending, Dead} {
		if raw := bucketOf(tx, st).Get(key(id)); raw != nil {
			return readRecord(tx, key(id), raw, st), nil
		}
	}
	return Record{}, fmt.Errorf("%w: %d", ErrNotFound, id)
}

func used(tx *bolt.Tx) int64 {
	if v := tx.Bucket(bucketMeta).Get(keyUsed); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

func addUsed(tx *bolt.Tx, n int64) error {
	return tx.Bucket(bucketMeta).Put(keyUsed, binary.BigEndian.AppendUint64(nil, uint64(max(used(tx)+n, 0))))
}

// Get returns a record with its body.
func (s *Store) Get(id uint64) (Record, error) {
	if _, gone := s.deferredNow()[id]; gone {
		return Record{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	var r Record
	err := s.do(false, func(tx *bolt.Tx) error {
		var err error
		if r, err = find(tx, id); err != nil {
			return err
		}
		r.Body, err = s.body(tx, r)
		return err
	})
	return r, err
}

// List returns every record, pending then dead, each by id, without bodies.
// On a store opened ReadOnly, which counts nothing, a record shows the
// attempt a process that ended left in flight as the next opener that
// writes will count it (see withEndedAttempts).
func (s *Store) List() ([]Record, error) {
	gone := s.deferredNow()
	var out []Record
	err := s.do(false, func(tx *bolt.Tx) error {
		for _, st := range []State{Pending, Dead} {
			err := bucketOf(tx, st).ForEach(func(k, v []byte) error {
				r := readRecord(tx, k, v, st)
				if misjudged(tx, r) {
					r.DeadReason = "" // an ordinary dead body: retry-dead sends it
				}
				out = append(out, r)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	out = withoutDeferred(out, gone)
	if s.opts.ReadOnly && err == nil {
		out = s.withEndedAttempts(out)
	}
	return out, err
}

// update applies fn to record id, in the state it is in, and writes it
// back; fn may change its state. The claim on the record is released.
func (s *Store) update(id uint64, fn func(r *Record) error) (Record, error) {
	return s.updateTx(id, func(_ *bolt.Tx, r *Record) error { return fn(r) })
}

// updateTx is update with fn given the transaction, to read what else the
// file holds.
func (s *Store) updateTx(id uint64, fn func(tx *bolt.Tx, r *Record) error) (Record, error) {
	var out Record
	err := s.do(true, func(tx *bolt.Tx) error {
		r, err := find(tx, id)
		if err != nil {
			return err
		}
		from := r.State
		if err := fn(tx, &r); err != nil {
			return err
		}
		if r.State != from {
			if err := bucketOf(tx, from).Delete(key(id)); err != nil {
				return err
			}
		}
		out = r
		return put(tx, r)
	})
	s.unclaim(id)
	return out, err
}

func (s *Store) unclaim(id uint64) {
	s.mu.Lock()
	delete(s.claims, id)
	s.mu.Unlock()
}

// Delete removes records, pending or dead, and their bodies, in one
// transaction: after a 2xx, or when a user drops one. An id the outbox does
// not hold is ErrNotFound, after the others are removed.
func (s *Store) Delete(ids ...uint64) error {
	gone := make([]removal, len(ids))
	for i, id := range ids {
		gone[i] = removal{id: id, size: -1}
	}
	missing, err := s.remove(gone, false)
	if err == nil && len(missing) > 0 {
		return fmt.Errorf("%w: %v", ErrNotFound, missing)
	}
	return err
}

// remove removes the records gone in one transaction and unclaims them;
// it returns those the outbox does not hold. delivered, for records the
// backend accepted, waits for another process's lock however long it
// keeps it (see acquireToRemove).
func (s *Store) remove(gone []removal, delivered bool) ([]uint64, error) {
	var missing []uint64
	var err error
	if delivered {
		var db *bolt.DB
		if db, err = s.acquireToRemove(); err == nil {
			err = s.write(db, deleteRecords(gone, &missing))
			s.release()
		}
		s.noteUnremoved(gone, err)
	} else {
		err = s.do(true, deleteRecords(gone, &missing))
	}
	for _, g := range gone {
		s.unclaim(g.id)
	}
	if err == nil {
		s.endAttempts(removalIDs(gone)...)
	}
	return missing, err
}

// removalIDs returns the ids of gone.
func removalIDs(gone []removal) []uint64 {
	ids := make([]uint64, len(gone))
	for i, g := range gone {
		ids[i] = g.id
	}
	return ids
}

// removal is a record to remove. Its size, when known (0 or more), is
// that of a record its caller stored pending: if it still is, it is
// removed without being read and decoded.
type removal struct {
	id   uint64
	size int
}

// deleteRecords returns the write that removes the records gone; it sets
// *missing to those the outbox does not hold.
func deleteRecords(gone []removal, missing *[]uint64) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		*missing = (*missing)[:0]
		pending, bodies := bucketOf(tx, Pending), tx.Bucket(bucketBodies)
		var freed int64
		for _, g := range gone {
			k := key(g.id)
			state, size, raw := Pending, g.size, pending.Get(k)
			if size < 0 || raw == nil {
				r, err := find(tx, g.id)
				if errors.Is(err, ErrNotFound) {
					*missing = append(*missing, g.id)
					continue
				}
				if err != nil {
					return err
				}
				state, size = r.State, r.Size
			}
			if err := unindex(tx, g.id, raw); err != nil {
				return err
			}
			if err := bucketOf(tx, state).Delete(k); err != nil {
				return err
			}
			if err := bodies.Delete(k); err != nil {
				return err
			}
			freed += int64(size)
		}
		if freed == 0 {
			return nil
		}
		return addUsed(tx, -freed)
	}
}
