//go:build linux

package nmap

import "os"

// effectiveCaps returns the process's effective capability set, as
// /proc/self/status gives it.
func effectiveCaps() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	return parseCapEff(b)
}
