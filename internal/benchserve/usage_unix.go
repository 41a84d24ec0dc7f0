//go:build unix

package main

import (
	"os"
	"syscall"
)

// usage returns what the ended process st used in its life: its peak
// resident memory in KiB on Linux (ru_maxrss), its minor page faults and
// its context switches, voluntary and not; each 0 when the system does not
// say.
func usage(st *os.ProcessState) (peakKiB, minflt, ctxsw int64) {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		// int32 on 32-bit systems
		return int64(ru.Maxrss), int64(ru.Minflt), int64(ru.Nvcsw) + int64(ru.Nivcsw)
	}
	return 0, 0, 0
}
