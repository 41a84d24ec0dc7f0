//go:build unix

package main

import (
	"os"
	"syscall"
)

// peakKiB returns the peak resident memory of the ended process st, in
// KiB on Linux (ru_maxrss), 0 when the system does not say.
func peakKiB(st *os.ProcessState) int64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) // int32 on 32-bit systems
	}
	return 0
}
