//go:build linux

package outbox

import "golang.org/x/sys/unix"

// diskFree returns the bytes the file system of dir has free for an
// unprivileged user, 0 when it is mounted read-only, -1 when statfs
// fails.
func diskFree(dir string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return -1
	}
	if st.Flags&unix.ST_RDONLY != 0 {
		return 0
	}
	return int64(st.Bavail) * st.Bsize //nolint:gosec // Bavail fits: blocks of a real file system
}
