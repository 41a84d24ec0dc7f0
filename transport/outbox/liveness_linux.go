package outbox

import (
	"os"
	"strconv"
)

// readProcStat reads /proc/<pid>/stat.
func readProcStat(pid int) (procStat, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(raw)
}

// processStart returns the start time of process pid, 0 when it cannot be
// read.
func processStart(pid int) uint64 {
	st, err := readProcStat(pid)
	if err != nil {
		return 0
	}
	return st.start
}

// alive reports whether the process pid that started at start (0:
// unknown) still runs: it exists, is not a zombie, and, start being known,
// started then. When /proc cannot tell, a signal decides.
func alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := readProcStat(pid)
	if err != nil {
		return signalable(pid)
	}
	return !st.gone() && (start == 0 || st.start == start)
}
