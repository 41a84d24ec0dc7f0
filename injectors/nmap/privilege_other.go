//go:build !linux

package nmap

import "errors"

// effectiveCaps is unknown outside Linux: see currentPrivileges.
func effectiveCaps() (uint64, error) { return 0, errors.New("capabilities unknown on this system") }
