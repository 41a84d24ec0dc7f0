package cloudscan

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// memFile holds body in an anonymous memory file, sealed against change,
// and returns the path the SDK opens to read it (/proc/self/fd/N) and
// what releases it. Nothing is written to disk.
func memFile(name string, body []byte) (path string, closeFn func() error, err error) {
	fd, err := unix.MemfdCreate("injectkit-aws-shared-file", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return "", nil, fmt.Errorf("hold AWS shared file %q in memory: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(body); err != nil {
		f.Close()
		return "", nil, fmt.Errorf("hold AWS shared file %q in memory: %w", name, err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return "", nil, fmt.Errorf("seal AWS shared file %q in memory: %w", name, err)
	}
	return "/proc/self/fd/" + strconv.Itoa(fd), f.Close, nil
}
