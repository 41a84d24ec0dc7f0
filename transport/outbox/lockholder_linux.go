package outbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockHolderOf returns a process holding a lock on the file at path (not
// this one), and its program's name (/proc/<pid>/comm: a name, never its
// arguments), as /proc/locks lists it; ok false when none is listed or
// that cannot be read.
func lockHolderOf(path string) (h lockHolder, program string, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return lockHolder{}, "", false
	}
	st, isSys := fi.Sys().(*syscall.Stat_t)
	if !isSys {
		return lockHolder{}, "", false
	}
	raw, err := os.ReadFile("/proc/locks")
	if err != nil {
		return lockHolder{}, "", false
	}
	dev := uint64(st.Dev) //nolint:unconvert // uint64 on every Linux but a few 32-bit ones
	held := parseLocks(raw, fmt.Sprintf("%02x:%02x", unix.Major(dev), unix.Minor(dev)), st.Ino, os.Getpid())
	if len(held) == 0 {
		return lockHolder{}, "", false
	}
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(held[0].pid) + "/comm")
	return held[0], strings.TrimSpace(string(comm)), true
}
