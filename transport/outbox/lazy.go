package outbox

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Lazy writes. A write nobody waits for (the removal of a delivered body,
// the end of a run, the note of a complete) rides with the next group
// commit (see write) instead of paying one of its own: it is committed
// alone only when no other commit came lazyDelay after it, and Close
// commits those left (flushLazy). A patient one (the note of a complete)
// rides only once it is due, or once patientBatch of them wait.

// lazyDelay is how long a lazy write (see writeLater) waits for another
// write to share a commit with before it is committed alone.
const lazyDelay = 20 * time.Millisecond

// writeLater queues fn to share the commit of the next writes, without
// starting one: after lazyDelay with no other write, it is committed
// alone (see writeLaterWithin). then is called in the committer with its
// outcome.
func (s *Store) writeLater(fn func(*bolt.Tx) error, ends []uint64, then func(error)) {
	s.writeLaterWithin(lazyDelay, fn, ends, then)
}

// writeLaterWithin is writeLater, committed alone once wait passed with no
// other write: the lazy writes waiting are due when the first of them a
// commit has not taken is (see lazyDue).
func (s *Store) writeLaterWithin(wait time.Duration, fn func(*bolt.Tx) error, ends []uint64, then func(error)) {
	s.queueLazy(&writeOp{fn: fn, done: make(chan struct{}), then: then, ends: ends, due: time.Now().Add(wait)})
}

// queueLazy queues op, a lazy write due at op.due.
func (s *Store) queueLazy(op *writeOp) {
	due, wait := op.due, time.Until(op.due)
	s.wmu.Lock()
	if op.patient {
		s.patient++
	}
	if len(s.lazy) == 0 || due.Before(s.lazyAt) {
		s.lazyAt = due
	}
	s.lazy = append(s.lazy, op)
	switch {
	case s.lazyTimer == nil:
		s.lazyTimer = time.AfterFunc(wait, s.lazyDue)
		s.timerAt = due
	case due.Before(s.timerAt):
		s.lazyTimer.Reset(wait) // due before the timer fires
		s.timerAt = due
	}
	s.wmu.Unlock()
}

// lazyDue is the lazy writes' timer: it commits those waiting once the
// first of them is due. Those a commit took meanwhile do not count: the
// timer waits again for the rest, so that it does not commit on its own
// lazy writes a few milliseconds old that the next commit would carry (in
// a busy serve, one commit and often one opening of the file in thirty,
// the timer firing every 20 ms).
func (s *Store) lazyDue() {
	s.wmu.Lock()
	if len(s.lazy) > 0 && s.lazyTimer != nil {
		if wait := time.Until(s.lazyAt); wait > 0 {
			s.lazyTimer.Reset(wait)
			s.timerAt = s.lazyAt
			s.wmu.Unlock()
			return
		}
	}
	s.wmu.Unlock()
	s.flushLazy()
}

// writeSoon runs fn in a lazy write (see writeLater) that Close waits
// for, or, once Close was called, in a write of its own, whose error it
// returns. A lazy write returns nil, nobody waiting for it: when it fails
// (a full disk, a file that cannot be opened), Close reports it, named by
// what (see noteUnwritten).
func (s *Store) writeSoon(what string, fn func(*bolt.Tx) error) error {
	return s.writeSoonAs(false, what, fn)
}

// writeSoonAs is writeSoon, patient or not (see takeLazy).
func (s *Store) writeSoonAs(patient bool, what string, fn func(*bolt.Tx) error) error {
	s.mu.Lock()
	closing := s.closing
	if !closing {
		s.later.Add(1)
	}
	s.mu.Unlock()
	if closing {
		return s.do(true, fn)
	}
	then := func(err error) {
		s.noteUnwritten(what, err)
		s.later.Done()
	}
	s.queueLazy(&writeOp{fn: fn, done: make(chan struct{}), then: then, due: time.Now().Add(lazyDelay), patient: patient})
	return nil
}

// maxUnwrittenNamed is how many of the failed lazy writes Close names.
const maxUnwrittenNamed = 10

// noteUnwritten keeps, for Close to report once, that the lazy write what
// failed with err (nil: it did not).
func (s *Store) noteUnwritten(what string, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.unwritten) < maxUnwrittenNamed {
		s.unwritten = append(s.unwritten, what)
	}
	s.unwrittenN++
	s.unwrittenErr = err
}

// unwrittenLeft is what Close reports of the lazy writes that failed: an
// *UnwrittenError, nil when none did. It forgets them: each is reported
// once.
func (s *Store) unwrittenLeft() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unwrittenN == 0 {
		return nil
	}
	err := &UnwrittenError{Path: s.path, N: s.unwrittenN, What: s.unwritten, Err: s.unwrittenErr}
	s.unwritten, s.unwrittenN, s.unwrittenErr = nil, 0, nil
	return err
}

// flushLazy commits the lazy writes waiting, with an empty write of its
// own. When the file cannot be opened they fail.
func (s *Store) flushLazy() {
	s.wmu.Lock()
	s.stopLazyTimer()
	waiting := len(s.lazy) > 0
	s.flushing = waiting // the patient writes go too (see takeLazy)
	s.wmu.Unlock()
	if !waiting {
		return
	}
	db, err := s.acquireToRemove() // the lazy writes remove delivered bodies
	if err != nil {
		s.wmu.Lock()
		ops := s.lazy
		s.lazy, s.patient, s.flushing = nil, 0, false
		s.wmu.Unlock()
		for _, op := range ops {
			op.err = err
			op.finish()
		}
		return
	}
	defer s.release()
	_ = s.write(db, func(*bolt.Tx) error { return nil }) // each lazy write gets its own outcome
}

// takeLazy takes the lazy writes waiting, for the commit being made: the
// next one queued starts lazyDelay again (see lazyDue). The timer runs on,
// not stopped and started again by each commit. A patient write (the note
// of a complete, see NoteComplete) is taken only once it is due, once
// patientBatch of them wait, or by flushLazy: each commit that carries
// such notes rewrites the pages of their two buckets (about three pages
// of a serve commit's ten), so they ride one commit in several. The
// caller holds wmu.
func (s *Store) takeLazy() []*writeOp {
	if s.patient == 0 || s.patient >= patientBatch || s.flushing {
		ops := s.lazy
		s.lazy, s.patient, s.flushing = nil, 0, false
		return ops
	}
	now := time.Now()
	var take, keep []*writeOp
	for _, op := range s.lazy {
		if op.patient && now.Before(op.due) {
			keep = append(keep, op)
		} else {
			take = append(take, op)
		}
	}
	s.lazy, s.patient = keep, len(keep)
	for i, op := range keep {
		if i == 0 || op.due.Before(s.lazyAt) {
			s.lazyAt = op.due // the timer waits for it (see lazyDue)
		}
	}
	return take
}

// withNextCommit has the next commit carry every lazy write waiting, the
// patient ones not yet due included: a process about to exit without
// Close (see EndOpenRuns) loses none of them with its timer.
func (s *Store) withNextCommit() {
	s.wmu.Lock()
	s.flushing = len(s.lazy) > 0
	s.wmu.Unlock()
}

// patientBatch is how many patient writes waiting ride with the next
// commit before they are due (see takeLazy).
const patientBatch = 32

// stopLazyTimer stops the timer of the lazy writes, if any: the next lazy
// write starts another. The caller holds wmu.
func (s *Store) stopLazyTimer() {
	if s.lazyTimer != nil {
		s.lazyTimer.Stop()
		s.lazyTimer = nil
	}
}
