package outbox

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. bbolt's own DB.Batch coalesces concurrent writes the same
// way, but it is not used: it commits from a timer goroutine (or from the
// caller that fills the batch), where a panic of bbolt on a damaged page
// could not be recovered into a *CorruptError, and it waits MaxBatchDelay
// (10 ms by default) before each batch that is not full, which would cap a
// delivering goroutine at about 100 commits a second. The committer below
// starts the next transaction as soon as the previous one is durable.

// writeOp is one write waiting for a group commit.
type writeOp struct {
	fn   func(*bolt.Tx) error
	err  error
	done chan struct{}
	then func(error) // when not nil, called in the committer with err
	// ends are the records whose attempts this write, once durable,
	// ends (the removal of bodies delivered): the end lines of every
	// write of one commit share one write of the file of attempts (see
	// Store.settleWrites).
	ends []uint64
	// due is when a lazy write is committed alone; a patient one rides
	// only with a commit from then on, or once patientBatch wait (see
	// takeLazy).
	due     time.Time
	patient bool
}

// finish settles op with its err.
func (op *writeOp) finish() {
	close(op.done)
	if op.then != nil {
		op.then(op.err)
	}
}

// commitHooks are the committer's test seams (see export_test.go).
type commitHooks struct {
	// queued is called by each write once it waits in the queue.
	queued func()
	// before is called in each group transaction once its writes ran,
	// before it commits, with the number of writes it holds (those that
	// joined it included, see commit).
	before func(writes int)
	// fail, when it returns an error, fails each group transaction after
	// its writes, as a failed commit (a full disk, say) would.
	fail func() error
	// locked is called each time the removal of delivered bodies finds
	// the file locked by another process, and waits for it again.
	locked func()
	// page, when set, is how many records a page of Walk or of a
	// resend pass holds, and DropWhere removes in a transaction (see
	// walkPage, passPage).
	page int
	// packedTx, when set, is packedTxBytes (the bytes stored a
	// transaction of a send stored whole holds).
	packedTx int
	// compact, when it returns an error, fails a compaction before its
	// step (see compact: 0 copy, 1 fsync the new file, 2 rename, 3 fsync
	// the directory).
	compact func(step int) error
	// dirSynced is called each time the store fsyncs its directory
	// (see syncDir).
	dirSynced func(dir string)
	// opened is called each time the store opens the file.
	opened func()
	// waiting is called each time an opening of the file, having met
	// another process's lock, starts to wait for it (see openWaiting).
	waiting func()
	// stored is called by a put once it stored every body.
	stored func()
	// readBack, when it returns an error, fails the read back of record
	// id by a stalled send (see Store.readBack), as a file that cannot be
	// read would.
	readBack func(id uint64) error
	// stalled is called once a send's feed stalls (see feed.stall).
	stalled func()
	// rewritten is called once a rewrite of the file of attempts is
	// renamed over it (see rewriteAttempts).
	rewritten func()
	// ended is called with each write of end lines to the file of
	// attempts (see endAttempts).
	ended func(lines []byte)
	// stall, when set, replaces stallDelay (see hold).
	stall time.Duration
	// attemptsFile, when it returns an error, fails each creation of
	// the file of attempts (see openAttempts) with it, as a full disk
	// would.
	attemptsFile func() error
	// closing is called by Close once it refuses claims (see beginClaim).
	closing func()
	// gaveBack is called by Close once it gave back what the Store
	// holds, before it marks the Store closed (see giveBack).
	gaveBack func()
}

// write runs fn in a writable transaction on db, which the caller holds
// (see do). Writes arriving while another commits are grouped into the
// next transaction, so that concurrent deliveries share one fsync instead
// of queueing for one each; those arriving while a transaction's writes
// run, before it commits, join it (see commit): the write that finds no commit running commits
// the queue itself, its own write first, and hands what queued meanwhile
// to a committer goroutine, which commits the queue until it is empty;
// every caller waits for the commit that holds its write. A write alone
// thus commits without a goroutine hop. A panic of bbolt on a damaged file
// is recovered where the transaction runs (see tx). An fn that fails is
// run again alone and the others without it, so each caller gets its own
// error; fn may therefore run more than once and must only set what it
// returns. A commit that fails fails every write it held: none of them is
// durable, and each caller sees the error.
func (s *Store) write(db *bolt.DB, fn func(*bolt.Tx) error) error {
	op := &writeOp{fn: fn, done: make(chan struct{})}
	s.wmu.Lock()
	s.queue = append(s.queue, op)
	lead := !s.leading
	s.leading = true
	s.wmu.Unlock()
	if s.hooks.queued != nil {
		s.hooks.queued()
	}
	if lead {
		s.retain() // held by whoever commits, until the queue is empty
		s.commitQueue(db, true)
	}
	<-op.done
	return op.err
}

// retain holds the open database for one more user; the caller holds it
// already.
func (s *Store) retain() {
	s.mu.Lock()
	s.users++
	s.mu.Unlock()
}

// commitQueue commits the queued writes, a batch per transaction, until
// the queue is empty; with once, it commits one batch and hands the rest,
// if any, to a committer goroutine. Each batch carries the lazy writes
// waiting. A batch's writers learn their outcome once the committer has
// looked for the next batch; the last ones only after it has let go of the
// file, so that a caller that returns (a put, say) has let go of it too,
// and another process opening it at once finds it free.
func (s *Store) commitQueue(db *bolt.DB, once bool) {
	var settled []*writeOp
	for {
		s.wmu.Lock()
		if once && settled != nil && len(s.queue) > 0 {
			// The caller's own write is committed: a goroutine commits
			// what queued meanwhile, and holds the file from now on.
			s.wmu.Unlock()
			go s.commitQueue(db, false)
			s.settleWrites(settled)
			return
		}
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.leading = false
			s.wmu.Unlock()
			s.release()
			s.settleWrites(settled)
			return
		}
		batch = append(batch, s.takeLazy()...)
		s.wmu.Unlock()
		s.settleWrites(settled)
		settled = s.commit(db, batch)
	}
}

// joining takes the writes queued since the batch being run was taken
// (see commit), with the lazy writes waiting: a write that joins may be
// flushLazy's, which commits them, and the timer that would commit them
// otherwise is gone.
func (s *Store) joining() []*writeOp {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if len(s.queue) == 0 {
		return nil
	}
	ops := append(s.queue, s.takeLazy()...)
	s.queue = nil
	return ops
}

// settleWrites settles the writes commit ran. The attempts the durable ones
// end are ended first, together: one write of their end lines, not one a
// removal (each of a commit's removals is its own write, see deleteLater).
func (s *Store) settleWrites(ops []*writeOp) {
	var ends []uint64
	for _, op := range ops {
		if op.err == nil {
			ends = append(ends, op.ends...)
		}
	}
	if len(ends) > 0 {
		s.endAttempts(ends...)
	}
	for _, op := range ops {
		op.finish()
	}
}

// commit runs a batch of writes in one transaction and returns them with
// their outcomes set, to be settled by settleWrites.
func (s *Store) commit(db *bolt.DB, batch []*writeOp) []*writeOp {
	ran := make([]*writeOp, 0, len(batch))
	for len(batch) > 0 {
		s.commits.Add(1)
		failed := -1
		err := s.tx(db, true, func(tx *bolt.Tx) error {
			taken := len(batch)
			for i := 0; i < len(batch); i++ {
				if err := batch[i].fn(tx); err != nil {
					failed = i
					return err
				}
				if i == taken-1 {
					// Writes queued while this batch ran join it, once:
					// its commit has not begun, and writes that keep
					// coming do not put it off.
					batch = append(batch, s.joining()...)
				}
			}
			if s.hooks.before != nil {
				s.hooks.before(len(batch))
			}
			if s.hooks.fail != nil {
				return s.hooks.fail()
			}
			return nil
		})
		s.noteWrite(err)
		if err == nil || failed < 0 || len(batch) == 1 {
			// Done, or the commit itself failed: every op shares the outcome.
			for _, op := range batch {
				op.err = err
			}
			return append(ran, batch...)
		}
		solo := batch[failed]
		s.commits.Add(1)
		solo.err = s.tx(db, true, solo.fn)
		s.noteWrite(solo.err)
		ran = append(ran, solo)
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
	return ran
}
