package cli

import (
	"errors"
	"syscall"

	"github.com/injectkit/injectkit/transport/outbox"
)

// roomFix says what lets the outbox's file system take a write it
// refused (err), for the exit of a flush or retry-dead that sent nothing:
// room on a full disk or within a quota, a read-only mount remounted, or
// the permission to write the outbox's directory, where the file of the
// attempts is created (a directory this user may not write, with an
// outbox file it may: "make room" sent the operator after space that was
// there).
func roomFix(err error) string {
	switch {
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "let this user write the outbox's directory, or run as the user that owns it"
	case errors.Is(err, syscall.EROFS):
		return "remount its file system read-write"
	case errors.Is(err, syscall.EDQUOT):
		return "make room within its disk quota"
	}
	return "make room on its file system"
}

// unnotedOnly reports whether a flush that ended with res and err posted
// nothing because no attempt could be noted beside the outbox (a full
// disk): it claimed bodies but sent none, as one that could not claim a
// body, and exits 2 as that one does. The give-back of the bodies it
// claimed ahead may fail on that disk too (err), which changes nothing
// of it: they stay pending, this process's until it ends. It exited 1
// then, the disk's error alone, as for bodies the backend did not take.
func unnotedOnly(res outbox.FlushResult, err error) bool {
	return res.Unnoted > 0 && res.Unnoted == res.Failed && res.Delivered+res.Superseded+res.Rejected == 0 &&
		(err == nil || outbox.NotWritable(err))
}
