//go:build !unix

package testkit

// DefaultHangup does nothing where there is no SIGHUP to ignore.
func DefaultHangup() {}
