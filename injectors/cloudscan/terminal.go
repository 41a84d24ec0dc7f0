package cloudscan

import (
	"os/exec"
	"sync"
)

// terminal lends the controlling terminal to one credential_process at a
// time (serve's injects may each run one): the terminal has one
// foreground group, and it must come back to this process's after each.
type terminal struct{ mu sync.Mutex }

// noLend runs cmd in a group of its own, in the background.
func noLend() (setup func(*exec.Cmd), done func()) {
	return func(cmd *exec.Cmd) { ownGroup(cmd, nil) }, func() {}
}
