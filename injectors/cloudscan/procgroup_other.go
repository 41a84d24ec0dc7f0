//go:build !unix

package cloudscan

import "os/exec"

// ownGroup leaves cmd as it is off Unix, which has no process groups to
// kill: cancelling it kills the shell alone.
func ownGroup(*exec.Cmd) {}

// killGroup does nothing off Unix, which has no process groups.
func killGroup(*exec.Cmd) {}
