package outbox

import (
	"bytes"
	"errors"
	"strconv"
)

// A process delivering a body leases it: the record names the owner's pid
// and start time until LeaseUntil. Another process takes the body over
// before the lease ends only when the owner is gone: no process has its
// pid, the process is a zombie (killed but not reaped by its parent) or
// exiting (killed, its sockets and files being closed: the broker may
// already have delivered its messages again), or the process with that
// pid started at another time than the owner did (the pid was reused). Where the start time cannot be read (outside
// Linux, or with /proc hidden) the owner counts as alive while a signal
// can reach its pid, and the lease bounds the wait.

// procStat holds the fields of /proc/<pid>/stat liveness reads.
type procStat struct {
	state byte   // field 3: R, S, D, Z (zombie), X (dead), …
	flags uint64 // field 9: the kernel's flags of the task (PF_*)
	start uint64 // field 22: start time, in clock ticks after boot
}

// pfExiting is the flag of a task in its exit (Linux's PF_EXITING), set
// before it closes its files.
const pfExiting = 0x4

// parseProcStat reads a /proc/<pid>/stat line. The command name, field 2,
// is in parentheses and may hold spaces and parentheses itself: the fields
// that follow start after the last ')'.
func parseProcStat(raw []byte) (procStat, error) {
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return procStat{}, errors.New("no command name")
	}
	f := bytes.Fields(raw[i+1:])
	// f[0] is field 3, so field 9 is f[6] and field 22 f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, errors.New("too few fields")
	}
	flags, err := strconv.ParseUint(string(f[6]), 10, 64)
	if err != nil {
		return procStat{}, err
	}
	start, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return procStat{}, err
	}
	return procStat{state: f[0][0], flags: flags, start: start}, nil
}

// gone reports whether a process in state st is no longer running code: a
// zombie or a dead task ('x' is the dead state of Linux 2.6.33 to 3.13),
// or one in its exit (PF_EXITING): a process killed closes its sockets
// before it is a zombie, so that the broker delivers its messages again to
// another daemon, which must not find it alive.
func (st procStat) gone() bool {
	return st.state == 'Z' || st.state == 'X' || st.state == 'x' || st.flags&pfExiting != 0
}
