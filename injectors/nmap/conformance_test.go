package nmap

import (
	"strconv"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// TestConformance runs the framework's contract checks on the executor,
// nmap replayed from a real capture: its live inject scans 127.0.0.1.
func TestConformance(t *testing.T) {
	e := newTestExecutor(replay("testdata/open_closed_filtered"))
	frameworktest.ConformanceWith(t, e, frameworktest.Options{Name: "nmap",
		Params: map[string]any{"ports": "18100-18102", "timing": 4}})
}

// TestIntegrationConformance runs the contract checks with the real nmap,
// whose live inject scans a listener on loopback.
func TestIntegrationConformance(t *testing.T) {
	testkit.Integration(t, "nmap")
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", "").Port
	frameworktest.ConformanceWith(t, New(), frameworktest.Options{Name: "nmap",
		Targets: []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}},
		Params:  map[string]any{"ports": strconv.Itoa(port), "timing": 4}, Timeout: time.Minute})
}

// TestRegistryConformance: nmap registered under its name conforms.
func TestRegistryConformance(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("nmap", func() framework.Executor { return newTestExecutor(replay("testdata/open_closed_filtered")) })
	frameworktest.RegistryConformance(t, reg, "nmap", frameworktest.Options{})
}
