package outbox

import (
	"strconv"
	"strings"
)

// Naming a holder that left no lock record. `outbox list` opens the file
// read-only and writes nothing, no lock record either (see Options.ReadOnly):
// a process that found it locked said "no holder recorded". Where the
// system lists its file locks (Linux's /proc/locks), the holder of the
// lock on the outbox file is read there: its pid, its program's name and
// whether the lock is shared (a reader: outbox list is the one injectkit
// command that reads the file so).

// lockHolder is one process holding a lock on a file, as the system lists
// it.
type lockHolder struct {
	pid    int
	shared bool // a read lock (LOCK_SH)
}

// parseLocks reads the holders of a lock on the file of device dev (as
// /proc/locks writes it, "fe:00") and inode ino from the lines of
// /proc/locks, but self, in the order listed. A line of a process waiting
// for the lock ("1: -> FLOCK …") is no holder; a malformed line is
// skipped.
func parseLocks(raw []byte, dev string, ino uint64, self int) []lockHolder {
	var out []lockHolder
	for line := range strings.Lines(string(raw)) {
		f := strings.Fields(line)
		// 1: FLOCK ADVISORY WRITE 9867 fe:00:9978358 0 EOF
		if len(f) < 6 || f[1] == "->" {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		at := strings.LastIndexByte(f[5], ':')
		if err != nil || pid <= 0 || pid == self || at < 0 || f[5][:at] != dev {
			continue
		}
		if n, err := strconv.ParseUint(f[5][at+1:], 10, 64); err != nil || n != ino {
			continue
		}
		out = append(out, lockHolder{pid: pid, shared: f[3] == "READ"})
	}
	return out
}
