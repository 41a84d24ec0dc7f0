package nmap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

var update = flag.Bool("update", false, "rewrite the expected.json files of the golden tests")

// goldenInject is a case's inject.json.
type goldenInject struct {
	Targets []struct {
		Config signatures.NetworkConfig `json:"config"`
		Meta   signatures.Attribution   `json:"meta"`
	} `json:"targets"`
	Params json.RawMessage `json:"params"`
	// NoIPv6 is set when the capture ran where IPv6 is disabled: the
	// kernel has no source address for an IPv6 address.
	NoIPv6 bool `json:"no_ipv6"`
	// Routes are the kernel's answers, by address, where the capture's
	// machine had a route of its own refusing it (ip route add
	// unreachable, prohibit, blackhole): EHOSTUNREACH, EACCES, EINVAL.
	Routes map[string]string `json:"routes"`
	// Neighbours are the kernel's neighbour table after the capture, by
	// address, where the capture's machine had the address on a link of
	// its own: "incomplete" (asked for over ARP, never answered) or
	// "reachable". Such an address is routed.
	Neighbours map[string]string `json:"neighbours"`
	// Hosts are the IPv4 addresses of the names the capture's machine
	// resolved (its /etc/hosts), for the lookup of a name nmap finished
	// its scan without; a name not listed does not resolve.
	Hosts map[string][]netip.Addr `json:"hosts"`
}

// goldenResult is what a case's expected.json holds: the runner calls, the
// tool output (action_output checked apart) and the partial results.
type goldenResult struct {
	Calls          []call                                         `json:"calls"`
	Status         signatures.ExecutionStatus                     `json:"status"`
	ErrorInfo      *framework.ErrorInfo                           `json:"error_info,omitempty"`
	Findings       map[string]any                                 `json:"findings"`
	TargetExtras   []map[framework.ExpectationType]map[string]any `json:"target_extras"`
	PartialResults []string                                       `json:"partial_results"`
	// NotReached is Unreached by position ("": reached), left out when
	// every target was reached.
	NotReached []string `json:"not_reached,omitempty"`
	// OwnStatus is TargetStatus by position ("": none of its own), left
	// out when no target has one.
	OwnStatus []framework.ExecutionStatus `json:"own_status,omitempty"`
	// Addresses is TargetAddresses by position (null: none), left out
	// when no target has one.
	Addresses [][]netip.Addr `json:"addresses,omitempty"`
}

// replay is a runner that plays back a case's capture of a real nmap run:
// nmap.* for the IPv4 scan, nmap6.* for the -6 one (.xml standard output,
// .stderr, .exit the exit code when it was not 0).
func replay(dir string) runFunc {
	return func(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
		name := "nmap"
		if slices.Contains(args, "-6") {
			name = "nmap6"
		}
		xml, err := os.ReadFile(filepath.Join(dir, name+".xml"))
		if err != nil {
			return err
		}
		if _, err := stdout.Write(xml); err != nil {
			return err
		}
		said, _ := os.ReadFile(filepath.Join(dir, name+".stderr"))
		if stderr != nil {
			if _, err := stderr.Write(said); err != nil {
				return err
			}
		}
		code, err := os.ReadFile(filepath.Join(dir, name+".exit"))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(code)))
		if err != nil {
			return err
		}
		return &ExitError{Code: n, Stderr: string(said)}
	}
}

func TestGolden(t *testing.T) { testkit.Cases(t, goldenCases, runGolden) }

// goldenCases matches the golden case folders, leaving out the capture
// scripts beside them.
const goldenCases = "testdata/*/inject.json"

// executeCase runs a golden case's inject through the executor, nmap
// replayed from the case's capture.
func executeCase(t *testing.T, dir string) (*framework.Inject, *recorder, framework.ToolOutput) {
	t.Helper()
	var gi goldenInject
	testkit.ReadJSON(t, filepath.Join(dir, "inject.json"), &gi)
	rec := &recorder{next: replay(dir)}
	e := newTestExecutor(rec.run)
	errnos := map[string]error{"EHOSTUNREACH": syscall.EHOSTUNREACH, "EACCES": syscall.EACCES, "EINVAL": syscall.EINVAL}
	e.routeTo = func(a netip.Addr) error {
		if name, ok := gi.Routes[a.String()]; ok {
			if err := errnos[name]; err != nil {
				return err
			}
			t.Errorf("routes: %s: no errno %q", a, name) // the parser's goroutine: no Fatal
		}
		if gi.NoIPv6 && a.Is6() && !a.Is4In6() {
			return syscall.EADDRNOTAVAIL
		}
		if _, ok := gi.Neighbours[a.String()]; ok {
			return nil
		}
		return loopbackRoutes(a)
	}
	e.unanswered = func(a netip.Addr) bool {
		switch state := gi.Neighbours[a.String()]; state {
		case "", "reachable":
			return false
		case "incomplete":
			return true
		default:
			t.Errorf("neighbours: %s: no state %q", a, state)
			return false
		}
	}
	e.lookupIPv4 = func(_ context.Context, name string) ([]netip.Addr, error) {
		if addrs, ok := gi.Hosts[name]; ok {
			return addrs, nil
		}
		return nil, errNoSuchHost
	}
	params := e.NewParams()
	dec := json.NewDecoder(bytes.NewReader(gi.Params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(params); err != nil {
		t.Fatalf("params: %v", err)
	}
	cfg, _ := newInject(t, params.(*Params))
	for _, tg := range gi.Targets {
		cfg.Targets = append(cfg.Targets, framework.Target{Config: tg.Config, Attribution: tg.Meta})
	}
	return cfg, rec, e.Execute(context.Background(), cfg)
}

func runGolden(t *testing.T, dir string) {
	cfg, rec, out := executeCase(t, dir)
	if err := out.Validate(); err != nil {
		t.Fatal(err)
	}
	for k := range out.TargetExtras {
		if !slices.Contains(cfg.Targets, k) {
			t.Errorf("target extras for %s, no target of the inject", k)
		}
	}

	// action_output is nmap's standard output, verbatim.
	var wantRaw []string
	for _, name := range []string{"nmap.xml", "nmap6.xml"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			wantRaw = append(wantRaw, string(b))
		}
	}
	findings := map[string]any{}
	for k, v := range out.Findings {
		findings[k] = v
	}
	if got := findings[FieldActionOutput]; got != nil || len(wantRaw) > 0 {
		if got != strings.Join(wantRaw, "\n") {
			t.Errorf("action_output is not nmap's output verbatim")
		}
	}
	delete(findings, FieldActionOutput)

	got := goldenResult{
		Calls: rec.Calls(), Status: out.Status, ErrorInfo: out.ErrorInfo,
		Findings: findings, PartialResults: cfg.PartialResults(),
	}
	if out.TargetExtras != nil {
		// By position, as the runtime lays them out for the payload.
		got.TargetExtras = make([]map[framework.ExpectationType]map[string]any, len(cfg.Targets))
		for i, tg := range cfg.Targets {
			got.TargetExtras[i] = out.TargetExtras[tg]
		}
	}
	if out.Unreached != nil {
		got.NotReached = make([]string, len(cfg.Targets))
		for i, tg := range cfg.Targets {
			got.NotReached[i] = out.Unreached[tg]
		}
	}
	if out.TargetStatus != nil {
		got.OwnStatus = make([]framework.ExecutionStatus, len(cfg.Targets))
		for i, tg := range cfg.Targets {
			got.OwnStatus[i] = out.TargetStatus[tg]
		}
	}
	if out.TargetAddresses != nil {
		got.Addresses = make([][]netip.Addr, len(cfg.Targets))
		for i, tg := range cfg.Targets {
			got.Addresses[i] = out.TargetAddresses[tg]
		}
	}
	for k := range out.TargetAddresses {
		if !slices.Contains(cfg.Targets, k) {
			t.Errorf("addresses: %s, no target of the inject", k)
		}
	}
	for k := range out.TargetStatus {
		if !slices.Contains(cfg.Targets, k) {
			t.Errorf("own outcome: %s, no target of the inject", k)
		}
	}
	for k := range out.Unreached {
		if !slices.Contains(cfg.Targets, k) {
			t.Errorf("not reached: %s, no target of the inject", k)
		}
	}
	gotJSON, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	gotJSON = append(gotJSON, '\n')
	testkit.Golden(t, filepath.Join(dir, "expected.json"), gotJSON, *update)
}

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
