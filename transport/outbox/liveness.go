package outbox

import (
	"bytes"
	"errors"
	"strconv"
)

// A process delivering a body leases it: the record names the owner's pid
// and start time until LeaseUntil. Another process takes the body over
// before the lease ends only when the owner is gone: no process has its
// pid, the process is a zombie (killed but not reaped by its parent), or
// the process with that pid started at another time than the owner did
// (the pid was reused). Where the start time cannot be read (outside
// Linux, or with /proc hidden) the owner counts as alive while a signal
// can reach its pid, and the lease bounds the wait.

// procStat holds the fields of /proc/<pid>/stat liveness reads.
type procStat struct {
	state byte   // field 3: R, S, D, Z (zombie), X (dead), …
	start uint64 // field 22: start time, in clock ticks after boot
}

// parseProcStat reads a /proc/<pid>/stat line. The command name, field 2,
// is in parentheses and may hold spaces and parentheses itself: the fields
// that follow start after the last ')'.
func parseProcStat(raw []byte) (procStat, error) {
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return procStat{}, errors.New("no command name")
	}
	f := bytes.Fields(raw[i+1:])
	// f[0] is field 3, so field 22 is f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, errors.New("too few fields")
	}
	start, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return procStat{}, err
	}
	return procStat{state: f[0][0], start: start}, nil
}

// gone reports whether a process in state st is no longer running code: a
// zombie or a dead task ('x' is the dead state of Linux 2.6.33 to 3.13).
func (st procStat) gone() bool { return st.state == 'Z' || st.state == 'X' || st.state == 'x' }
