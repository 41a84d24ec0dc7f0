package nmap

import (
	"testing"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// TestConformance runs the framework's contract checks on the real executor.
// None of them runs nmap: the inject is empty or its context is already
// cancelled.
func TestConformance(t *testing.T) {
	frameworktest.Conformance(t, New(), signatures.NetworkConfig{TargetIPv4: "127.0.0.1"})
}
