//go:build !linux

package outbox

// processStart returns 0: the start time of a process is read on Linux
// only.
func processStart(int) uint64 { return 0 }

// alive reports whether process pid still exists. Without /proc, neither
// a zombie nor a reused pid is told apart: the lease bounds the wait.
func alive(pid int, _ uint64) bool {
	return pid > 0 && signalable(pid)
}
