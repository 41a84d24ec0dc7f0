package outbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Starts. A process that ends while it runs an inject (a panic in a
// goroutine its injector started, which Go cannot recover; killed; out of
// memory) leaves the inject's message unacknowledged: the broker delivers
// it again, and a daemon that runs it again may end the same way, for
// ever. So that a caller can bound that, it records each start of an
// inject (StartRun, in the "starts" bucket, keyed by the inject id:
// durable before the run) and removes it once the run ended (Run.End), or
// once the process closes the store while it still runs (Close: the
// process ends gracefully, a daemon's shutdown returning the message to
// the queue, not because of the run; or EndOpenRuns, before it exits
// at once). A start whose process is no longer
// alive (see Storing) is one that ended without finishing: StartRun
// counts them.

var bucketStarts = []byte("starts")

// startsRecord is what the file keeps of the starts of one inject.
type startsRecord struct {
	InjectID string     `json:"inject_id"`
	Runs     []startRun `json:"runs"`
}

// startRun is one start: its number in the bucket, its process (pid and
// start time, see Record.Owner) and when it started.
type startRun struct {
	Seq        uint64    `json:"seq"`
	Owner      int       `json:"owner"`
	OwnerStart uint64    `json:"owner_start,omitempty"`
	At         time.Time `json:"at"`
}

// gone reports whether the process of r has ended: the run ended with it,
// unfinished.
func (r startRun) gone() bool { return !alive(r.Owner, r.OwnerStart) }

// Run is the record of one start of an inject this process runs (see
// StartRun); End removes it.
type Run struct {
	s        *Store
	injectID string
	seq      uint64
	rec      []byte // the record StartRun wrote: this start alone
}

// StartRun records durably (fsync'd) that this process starts running
// inject injectID, unless bound earlier starts of it ended without
// finishing: their process ended while it ran them. It returns how many
// did (crashed), and the record of this start, to End once the run ended
// whatever its outcome; run is nil when nothing was recorded (crashed
// reached bound). A bound of 0 or less records the start whatever came
// before, and forgets the earlier starts that ended (a first delivery of
// the inject's message: none of them was of this message).
func (s *Store) StartRun(injectID string, bound int) (run *Run, crashed int, err error) {
	now := s.opts.Now()
	err = s.do(true, func(tx *bolt.Tx) error {
		run, crashed = nil, 0
		b, err := tx.CreateBucketIfNotExists(bucketStarts)
		if err != nil {
			return err
		}
		rec, err := s.readStarts(b, injectID)
		if err != nil {
			return err
		}
		for _, r := range rec.Runs {
			if r.gone() {
				crashed++
			}
		}
		if bound > 0 && crashed >= bound {
			return nil
		}
		if bound <= 0 {
			rec.Runs = slices.DeleteFunc(rec.Runs, startRun.gone)
			crashed = 0
		}
		seq, err := nextRunSeq(tx, b)
		if err != nil {
			return err
		}
		rec.Runs = append(rec.Runs, startRun{Seq: seq, Owner: s.pid, OwnerStart: s.start, At: now})
		run = &Run{s: s, injectID: injectID, seq: seq}
		raw, err := storeStarts(b, rec)
		if len(rec.Runs) == 1 {
			run.rec = raw
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("outbox %s: record the start of inject %s: %w", s.path, injectID, err)
	}
	if run != nil {
		s.mu.Lock()
		s.runs[run.seq] = injectID
		s.mu.Unlock()
	}
	return run, crashed, nil
}

// nextRunSeq returns the number of a new start, one no start in b has
// (see RunID): above the outbox's sequence, which earlier versions
// numbered starts from, and above b's, which the first version that kept
// starts numbered them from; both are raised to it, so that a process of
// either version still running numbers its next start above it too.
// Each sequence bounds every number issued from it (raised in the
// transaction that records the start, kept by a compaction, and b is
// never removed), so the starts recorded need not be read.
func nextRunSeq(tx *bolt.Tx, b *bolt.Bucket) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	seq := max(meta.Sequence(), b.Sequence()) + 1
	if err := meta.SetSequence(seq); err != nil {
		return 0, err
	}
	return seq, b.SetSequence(seq)
}

// End removes the record of the run once it ended (its outcome delivered,
// stored, or refused), and those of the earlier starts of its inject that
// ended unfinished: the inject ran to its end. The removal rides with the
// next commit (see writeLater): a crash before it leaves the record, which
// only counts once more should the inject's message come again. A nil Run
// ends nothing.
func (r *Run) End() {
	if r != nil {
		r.s.mu.Lock()
		delete(r.s.runs, r.seq)
		r.s.mu.Unlock()
		r.s.endStarts(r.injectID, r.seq, r.rec)
	}
}

// EndOpenRuns removes, durably, the records of the starts of this Store
// whose run has not ended: the process ends while they run, not because
// of them. Close calls it (a daemon's graceful shutdown returned their
// messages to the queue); a process about to exit without closing the
// store (an operator's second signal: exit now) calls it first, its
// messages going back to the queue all the same. A process that ends
// without either (a panic in a goroutine, a kill) leaves them, counted.
// A call while another one runs returns once that one returned.
func (s *Store) EndOpenRuns() error {
	s.endMu.Lock() // a second caller returns once the runs are removed
	defer s.endMu.Unlock()
	s.mu.Lock()
	runs := s.runs
	s.runs = map[uint64]string{}
	s.mu.Unlock()
	if len(runs) == 0 {
		return nil
	}
	s.withNextCommit() // the notes of completes just sent go too
	err := s.do(true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStarts)
		if b == nil {
			return nil
		}
		for _, id := range uniqueValues(runs) {
			rec, err := s.readStarts(b, id)
			if err != nil {
				return err
			}
			rec.Runs = slices.DeleteFunc(rec.Runs, func(r startRun) bool { return r.Owner == s.pid && runs[r.Seq] == id })
			if err := writeStarts(b, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Kept for a later call (Close after an exit-now's attempt) to try
		// again and report, runs started meanwhile aside.
		s.mu.Lock()
		for seq, id := range runs {
			if _, ok := s.runs[seq]; !ok {
				s.runs[seq] = id
			}
		}
		s.mu.Unlock()
		return fmt.Errorf("outbox %s: remove the starts of the %d runs in flight: %w", s.path, len(runs), err)
	}
	return nil
}

// uniqueValues returns the distinct values of m, sorted.
func uniqueValues(m map[uint64]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ForgetStarts removes the records of the starts of inject injectID that
// ended unfinished, when its message was settled without running it (its
// result already stored or delivered, or its terminal callback sent for
// it); the starts of live processes stay.
func (s *Store) ForgetStarts(injectID string) { s.endStarts(injectID, 0, nil) }

// endStarts removes, in the background, the start seq (0: none) of inject
// id and its starts that ended unfinished; Close waits for it. alone, when
// not nil, is the record of start seq alone as StartRun wrote it: a record
// of those very bytes holds no other start, and is removed undecoded.
func (s *Store) endStarts(id string, seq uint64, alone []byte) {
	what := "the end of inject " + id + "'s run"
	if seq == 0 {
		what = "the removal of inject " + id + "'s unfinished runs"
	}
	fn := func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStarts)
		if b == nil {
			return nil
		}
		if alone != nil && bytes.Equal(b.Get([]byte(id)), alone) {
			return b.Delete([]byte(id))
		}
		rec, err := s.readStarts(b, id)
		if err != nil || len(rec.Runs) == 0 {
			return err
		}
		rec.Runs = slices.DeleteFunc(rec.Runs, func(r startRun) bool { return r.Seq == seq || r.gone() })
		return writeStarts(b, rec)
	}
	// Left on error: it counts once more at most. A lazy write's failure
	// is Close's to report; one once Close was called is noted for it.
	s.noteUnwritten(what, s.writeSoon(what, fn))
}

// readStarts returns the starts recorded of inject id, none when there are
// none.
func (s *Store) readStarts(b *bolt.Bucket, id string) (startsRecord, error) {
	raw := b.Get([]byte(id))
	if raw == nil {
		return startsRecord{InjectID: id}, nil
	}
	return s.decodeStarts(id, raw)
}

// decodeStarts decodes raw, the starts recorded of inject id; a record
// that does not decode is a *CorruptError.
func (s *Store) decodeStarts(id string, raw []byte) (startsRecord, error) {
	rec := startsRecord{InjectID: id}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, &CorruptError{Path: s.path, Err: fmt.Errorf("starts of inject %s: %w", id, err)}
	}
	return rec, nil
}

// writeStarts stores rec, or removes it when it holds no start.
func writeStarts(b *bolt.Bucket, rec startsRecord) error {
	_, err := storeStarts(b, rec)
	return err
}

// storeStarts is writeStarts, returning the bytes stored (nil: none).
func storeStarts(b *bolt.Bucket, rec startsRecord) ([]byte, error) {
	if rec.InjectID == "" {
		return nil, errors.New("starts of an empty inject id")
	}
	if len(rec.Runs) == 0 {
		return nil, b.Delete([]byte(rec.InjectID))
	}
	raw, err := encodeStarts(rec)
	if err != nil {
		return nil, err
	}
	return raw, b.Put([]byte(rec.InjectID), raw)
}
