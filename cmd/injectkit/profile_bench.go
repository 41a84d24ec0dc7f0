//go:build benchprofile

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// profileEnv names the directory a binary built with -tags benchprofile
// writes its profiles to (make bench-serve PROFILE_DIR=…): cpu-<pid>.pprof
// from start to exit, and at exit allocs-<pid>.pprof, block-<pid>.pprof
// (every blocking event) and mutex-<pid>.pprof (every contention). Only
// the benchmark builds with the tag; a release binary has none of it.
const profileEnv = "INJECTKIT_PROFILE_DIR"

// startProfiles starts the profiles profileEnv asks for and returns what
// writes them, to call before the exit.
func startProfiles() (stop func()) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}
	}
	name := func(kind string) string { return filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", kind, os.Getpid())) }
	cpu, err := os.Create(name("cpu"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "injectkit: profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fmt.Fprintln(os.Stderr, "injectkit: profile:", err)
	}
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		for _, kind := range []string{"allocs", "block", "mutex"} {
			f, err := os.Create(name(kind))
			if err != nil {
				fmt.Fprintln(os.Stderr, "injectkit: profile:", err)
				continue
			}
			if err := pprof.Lookup(kind).WriteTo(f, 0); err != nil {
				fmt.Fprintln(os.Stderr, "injectkit: profile:", err)
			}
			f.Close()
		}
	}
}
