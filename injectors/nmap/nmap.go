package nmap

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Exit codes recorded in ErrorInfo for the failures the executor detects
// itself; a failed nmap run records nmap's own exit code.
const (
	// ExitInvalidInput: parameters or targets were rejected, nmap was not run.
	ExitInvalidInput = 2
	// ExitBadOutput: nmap's output is not an nmap XML report.
	ExitBadOutput = 3
	// ExitCannotRun: nmap was found but could not be started (the shell's
	// "cannot execute").
	ExitCannotRun = 126
	// ExitNotInstalled: nmap is not on PATH (the shell's "command not found").
	ExitNotInstalled = 127
)

// Executor is the nmap injector. Its zero value is not usable: build one
// with New.
type Executor struct {
	run runFunc // runs nmap; replaced in tests
	// privileges are the process's, for the check of a scan that needs
	// raw sockets.
	privileges func() privileges
	now        func() time.Time // clock for ErrorInfo.CrashTimestamp
	// ifIndex returns the index of the interface an IPv6 zone names, a
	// name or an index of digits (nil: zones are given to nmap as they
	// are).
	ifIndex func(zone string) (int, error)
	// routeTo returns the kernel's error when it has no route to an
	// address (kernelRoute; nil: every host nmap reports is taken as
	// reached).
	routeTo func(netip.Addr) error
	// unanswered reports whether the kernel's neighbour table holds an
	// address asked for over ARP and never answered (kernelUnanswered;
	// nil: none is).
	unanswered func(netip.Addr) bool
	// lookupIPv4 returns the IPv4 addresses a host name resolves to, to
	// tell why nmap finished its scan without it (explainSkipped; nil:
	// not told).
	lookupIPv4 func(ctx context.Context, name string) ([]netip.Addr, error)
}

// New returns an Executor that runs the nmap found on PATH.
func New() *Executor {
	return &Executor{run: runNmap, privileges: currentPrivileges, now: time.Now, ifIndex: interfaceIndex, routeTo: kernelRoute,
		unanswered: kernelUnanswered, lookupIPv4: lookupIPv4}
}

// interfaceIndex returns the index of the interface an IPv6 zone names:
// a zone of digits is an interface index, which some interface must
// have (net.InterfaceByIndex), any other zone an interface's name.
func interfaceIndex(zone string) (int, error) {
	if !numericZone(zone) {
		ifc, err := net.InterfaceByName(zone)
		if err != nil {
			return 0, err
		}
		return ifc.Index, nil
	}
	n, err := strconv.Atoi(zone)
	if err != nil {
		return 0, err
	}
	ifc, err := net.InterfaceByIndex(n)
	if err != nil {
		return 0, err
	}
	return ifc.Index, nil
}

// numericZone reports whether an IPv6 zone is an interface index: digits
// only, as the resolver reads it.
func numericZone(zone string) bool {
	return zone != "" && strings.Trim(zone, "0123456789") == ""
}

// Interface guards.
var (
	_ framework.Executor         = (*Executor)(nil)
	_ framework.Manifester       = (*Executor)(nil)
	_ framework.ParamsFactory    = (*Executor)(nil)
	_ framework.ParamsValidator  = (*Executor)(nil)
	_ framework.TargetsValidator = (*Executor)(nil)
	_ framework.DirectSender     = (*Executor)(nil)
	_ framework.Preflighter      = (*Executor)(nil)
)

// Preflight reports, without running it, that the nmap every inject runs
// is not on PATH (ErrNotInstalled) or cannot be started (not executable),
// as Execute would find it.
func (*Executor) Preflight() error {
	_, err := lookNmap()
	return err
}

// SendsToTargets reports true: nmap's probes go to the targets
// themselves, so each target's source address is the one on the route to
// it.
func (*Executor) SendsToTargets() bool { return true }

// Manifest describes the injector, its parameters (derived from Params)
// and its outputs.
func (e *Executor) Manifest() framework.Manifest {
	return framework.Manifest{
		Name:     "nmap",
		Category: framework.Network,
		Description: "Scans the targets' TCP ports with nmap (targets on standard input, XML on " +
			"standard output) and reports the open ports and services per target.",
		Params:       framework.MustParamsSpec(e.NewParams()),
		Expectations: []framework.ExpectationType{framework.Detection, framework.Prevention},
		Outputs: []framework.Output{
			{Type: "portscan", Field: "scan_results", Finding: true, Multiple: true},
			{Type: "port", Field: "ports", Multiple: true},
			{Type: "action_output", Field: "action_output"},
		},
		Platforms:      []string{"Linux"},
		AttackPatterns: []string{"T1046"},
		Domains:        []framework.Domain{framework.DomainNetwork},
		SecurityPlatforms: map[framework.ExpectationType][]string{
			framework.Detection:  {framework.SecurityNDR, framework.SecuritySIEM, framework.SecurityXDR},
			framework.Prevention: {framework.SecurityNDR, framework.SecurityXDR},
		},
	}
}

// NewParams returns a *Params holding the defaults.
func (*Executor) NewParams() any {
	p := DefaultParams()
	return &p
}

// ValidateParams checks what depends on the executor: that a syn or fin
// scan can open its raw socket, as nmap decides it may try (root, or
// NMAP_PRIVILEGED) and as the kernel lets it (CAP_NET_RAW). The params'
// own checks are Params.Validate's, which the framework calls first
// (framework.CheckParams, for the runtime and Conformance alike). It never
// touches the network.
func (e *Executor) ValidateParams(params any) error {
	p, err := paramsOf(params)
	if err != nil {
		return err
	}
	return e.checkPrivileges(p)
}

// ValidateTargets checks, before anything runs, every target Execute would
// refuse (see scanTargets): a value that is not one target nmap reads as
// given, such as an address range or a host name inet_aton reads as an
// address, or an IPv6 zone that names no network interface of this
// machine (checkZones). It never touches the network.
func (e *Executor) ValidateTargets(targets []framework.Target) error {
	st, err := scanTargets(targets)
	if err != nil {
		return err
	}
	return checkZones(targets, st, e.ifIndex)
}

// validate is, for an Execute called without the framework, what the
// framework checks before it: Params.Validate, then ValidateParams'.
func (e *Executor) validate(p Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return e.checkPrivileges(p)
}

// checkPrivileges is ValidateParams for decoded params.
func (e *Executor) checkPrivileges(p Params) error {
	if !p.needsRoot() {
		return nil
	}
	if why := e.privileges().rawRefusal(); why != "" {
		// A param refused as any other: the runtime and the commands name
		// it (params.scan_type, --param "scan_type=syn", inject_content).
		return &signatures.ValidationError{Field: "scan_type", Value: p.ScanType, Reason: ErrNeedsRoot.Error() + ": " + why, Err: ErrNeedsRoot}
	}
	return nil
}

// paramsOf returns the parameters held by params (see framework.ParamsAs),
// or the defaults when there are none.
func paramsOf(params any) (Params, error) {
	p, err := framework.ParamsAs[Params](params)
	switch {
	case errors.Is(err, framework.ErrNoParams):
		return DefaultParams(), nil
	case err != nil:
		return Params{}, err
	}
	return *p, nil
}
