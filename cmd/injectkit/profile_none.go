//go:build !benchprofile

package main

// startProfiles writes no profile: only a binary built with -tags
// benchprofile does (see profile_bench.go, make bench-serve PROFILE_DIR=…).
func startProfiles() (stop func()) { return func() {} }
