package outbox

import (
	"errors"
	"syscall"
)

// NotWritable reports whether err is the file system refusing a write:
// full (ENOSPC), over a quota (EDQUOT) or mounted read-only (EROFS). An
// outbox it refuses keeps no new body, as a full one does.
func NotWritable(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS)
}

// noteWrite keeps the outcome of a committed (or failed) write for Usage:
// the error of one the file system refused, forgotten once one succeeds.
// Other failures (a full outbox, a corrupt record) say nothing of the
// file system and change nothing.
func (s *Store) noteWrite(err error) {
	switch {
	case err == nil:
		if s.refused.Load() != nil {
			s.refused.Store(nil)
		}
	case NotWritable(err):
		s.refused.Store(&err)
	}
}
