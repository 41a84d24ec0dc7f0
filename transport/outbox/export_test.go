package outbox

// Test seams of the group commit (see commitHooks).

// Commits returns how many transactions the committer ran.
func (s *Store) Commits() int64 { return s.commits.Load() }

// SetCommitHooks sets the committer's hooks; call it before any write.
// queued is called by each write once it waits for a commit, before with
// the number of writes of each transaction about to run, and fail, when
// it returns an error, fails that transaction after its writes.
func (s *Store) SetCommitHooks(queued func(), before func(writes int), fail func() error) {
	s.hooks = commitHooks{queued: queued, before: before, fail: fail}
}

// SetLockedHook sets the hook called each time the removal of delivered
// bodies finds the file locked and waits for it again; call it before
// any write.
func (s *Store) SetLockedHook(locked func()) { s.hooks.locked = locked }
