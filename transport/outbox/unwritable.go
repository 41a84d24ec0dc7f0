package outbox

import (
	"errors"
	"path/filepath"
	"syscall"
)

// NotWritable reports whether err is the file system refusing a write:
// full (ENOSPC), over a quota (EDQUOT) or mounted read-only (EROFS). An
// outbox it refuses keeps no new body, as a full one does.
func NotWritable(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS)
}

// roomAgain is the free room a file system that refused a write of the
// outbox must show, where it can be read, for a write that succeeds to
// end the refusal: a commit that only rewrote pages the file already had
// (a removal, a record settled) succeeds on a full disk, and says
// nothing of the room a body needs.
const roomAgain = 64 << 10

// noteWrite keeps the outcome of a committed (or failed) write for Usage:
// the error of one the file system refused, forgotten once one succeeds
// with the file system showing roomAgain free (or its free room unknown).
// Other failures (a full outbox, a corrupt record) say nothing of the
// file system and change nothing.
func (s *Store) noteWrite(err error) {
	switch {
	case err == nil:
		if s.refused.Load() != nil {
			if free := diskFree(filepath.Dir(s.path)); free >= 0 && free < roomAgain {
				return // the disk still full: the write needed no new room
			}
			s.refused.Store(nil)
		}
	case NotWritable(err):
		s.refused.Store(&err)
	}
}
