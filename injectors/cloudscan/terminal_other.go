//go:build !unix

package cloudscan

import "os/exec"

// lend leaves the credential_process as it is off Unix (ownGroup).
func (terminal) lend() (setup func(*exec.Cmd), done func()) { return noLend() }
