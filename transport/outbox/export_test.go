package outbox

import (
	"testing"
	"time"
)

// Test seams of the group commit (see commitHooks).

// Commits returns how many transactions the committer ran.
func (s *Store) Commits() int64 { return s.commits.Load() }

// SetCommitHooks sets the committer's hooks; call it before any write.
// queued is called by each write once it waits for a commit, before in
// each transaction once its writes ran, before it commits, with the number
// of writes it holds (those that joined it included), and fail, when it
// returns an error, fails that transaction after its writes.
func (s *Store) SetCommitHooks(queued func(), before func(writes int), fail func() error) {
	s.hooks = commitHooks{queued: queued, before: before, fail: fail}
}

// SetLockedHook sets the hook called each time the removal of delivered
// bodies finds the file locked and waits for it again; call it before
// any write.
func (s *Store) SetLockedHook(locked func()) { s.hooks.locked = locked }

// SetCompactHook sets the hook called before each step of a compaction (0
// copy, 1 fsync the new file, 2 rename it over the outbox, 3 fsync the
// directory): an error fails the compaction there, as a crash or a full
// disk would; call it before any write.
func (s *Store) SetCompactHook(step func(int) error) { s.hooks.compact = step }

// CompactSteps is how many steps a compaction has.
const CompactSteps = 4

// SetOpenedHook sets the hook called each time the store opens its file
// (in Shared mode, once per operation or put); call it before any write.
func (s *Store) SetOpenedHook(opened func()) { s.hooks.opened = opened }

// SetWaitingHook sets the hook called each time an opening of the file,
// having met another process's lock, starts to wait for it; call it
// before any operation.
func (s *Store) SetWaitingHook(waiting func()) { s.hooks.waiting = waiting }

// SetStoredHook sets the hook called by a put once it stored every body;
// call it before any write.
func (s *Store) SetStoredHook(stored func()) { s.hooks.stored = stored }

// SetReadBackHook sets the hook called before a stalled send reads each
// record back from the outbox: an error fails that read; call it before
// any write.
func (s *Store) SetReadBackHook(read func(id uint64) error) { s.hooks.readBack = read }

// SetStalledHook sets the hook called once a send's POST stalls (or fails,
// or the abort fires) and its put stops waiting for the posts; call it
// before any write.
func (s *Store) SetStalledHook(stalled func()) { s.hooks.stalled = stalled }

// DamageRecord replaces old with new in the stored metadata of record id
// (see damageRecord).
func DamageRecord(t *testing.T, s *Store, id uint64, old, new string) {
	t.Helper()
	damageRecord(t, s, id, old, new)
}

// SetStallDelay sets how long a put or a send stored whole waits for its
// caller to take a body before it lets go of the file (stallDelay unless
// set); call it before any write.
func (s *Store) SetStallDelay(d time.Duration) { s.hooks.stall = d }

// SetPackedTxBytes sets how many bytes, as stored, a transaction of a
// send stored whole before its first POST holds (packedTxBytes unless
// set; 1: one body each); call it after SetCommitHooks, before any write.
func (s *Store) SetPackedTxBytes(n int) { s.hooks.packedTx = n }

// SetWalkPage sets how many records a page of Walk holds, and DropWhere
// removes in a transaction; call it before any walk.
func (s *Store) SetWalkPage(n int) { s.hooks.page = n }

// attemptsSize is how many bytes the notes of this Store's file of
// attempts hold.
func (s *Store) attemptsSize() int64 {
	s.attempts.mu.Lock()
	defer s.attempts.mu.Unlock()
	return s.attempts.size
}

// SetAttemptsFileHook sets the hook called before each creation of the
// file of attempts: an error fails that creation, as a full disk would.
func (s *Store) SetAttemptsFileHook(create func() error) { s.hooks.attemptsFile = create }
