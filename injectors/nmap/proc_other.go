//go:build !unix

package nmap

import "os/exec"

// setProcessGroup keeps exec.CommandContext's default: kill nmap itself.
func setProcessGroup(*exec.Cmd) {}
