package nmap

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Scan types.
const (
	ScanConnect = "connect" // -sT: a full TCP connect, no privileges needed
	ScanSYN     = "syn"     // -sS: half-open SYN scan, needs root
	ScanFIN     = "fin"     // -sF: FIN scan, needs root
)

// ErrNeedsRoot is returned for a scan type that needs raw sockets when
// nmap would not open one: not privileged as nmap decides (root, or
// NMAP_PRIVILEGED set), or without the effective CAP_NET_RAW.
var ErrNeedsRoot = errors.New("scan type needs root privileges")

// maxPortSpec bounds the length of the ports parameter.
const maxPortSpec = 1024

// Params are the inject parameters of the nmap injector. Nothing a user types
// reaches nmap except through these fields, each validated by Validate. The
// manifest's params are derived from them (framework.ParamsSpec).
type Params struct {
	// ScanType is connect (default), syn or fin.
	ScanType string `json:"scan_type" param:"enum=connect|syn|fin" doc:"connect (-sT, no privileges), syn (-sS, root) or fin (-sF, root)"`
	// Ports is an nmap port specification made only of digits, commas and
	// ranges (22,80,8000-8100), spaces and tabs around an item left out
	// as nmap leaves them (22, 80), at most maxPortSpec characters (the
	// doc says the number). Empty: nmap's default port list.
	Ports string `json:"ports" doc:"ports to scan: digits, commas and ranges (22,80,8000-8100; spaces around an item are left out: 22, 80), each 1-65535 (leading zeros allowed), at most 1024 characters in all; empty: nmap's default list"`
	// Timing is nmap's timing template, 0 (paranoid) to 5 (insane).
	Timing int `json:"timing" param:"min=0,max=5" doc:"timing template -T0 (paranoid) to -T5 (insane)"`
	// ServiceDetection turns on nmap's version detection (-sV).
	ServiceDetection bool `json:"service_detection" doc:"probe open ports for service and version (-sV)"`
}

// Interface guards.
var _ framework.Validator = Params{}

// DefaultParams returns the parameters used when an inject sets none.
func DefaultParams() Params {
	return Params{ScanType: ScanConnect, Timing: 3}
}

// paramChecks checks Params' enum and range, its tags parsed once, on first use
// (not in the package's init: a run of another injector never needs it).
var paramChecks = sync.OnceValue(framework.NewEnumCheck[Params])

// Validate checks every field and returns a *signatures.ValidationError
// naming the first bad one. It does not check privileges (see
// Executor.ValidateParams).
func (p Params) Validate() error {
	if err := paramChecks().Check(&p); err != nil { // scan_type, timing
		return err
	}
	return validatePorts(p.Ports)
}

// needsRoot reports whether the scan type needs raw sockets.
func (p Params) needsRoot() bool { return p.ScanType == ScanSYN || p.ScanType == ScanFIN }

// portSpace is the white space nmap skips before and after each item of a
// port list (getpts_aux's isspace: "-p '22, 80'" scans 22 and 80), as a
// user types a list in the platform's form, beside a manual targets field
// that takes "10.0.0.1, 10.0.0.2". Within an item nmap takes none ("22 -
// 80" is illegal to it), nor does validatePorts.
const portSpace = " \t"

// portSpec returns the ports param as nmap is given it: without the white
// space around its items, which nmap leaves out too.
func (p Params) portSpec() string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(portSpace, r) {
			return -1
		}
		return r
	}, p.Ports)
}

// validatePorts accepts an empty spec or comma-separated items, each a port
// or a range lo-hi with 1 <= lo <= hi <= 65535 (leading zeros allowed, as
// nmap allows them), spaces and tabs around an item left out (portSpace),
// the whole at most maxPortSpec characters.
func validatePorts(spec string) error {
	if spec == "" {
		return nil
	}
	bad := func(reason string) error {
		return &signatures.ValidationError{Field: "ports", Value: spec, Reason: reason}
	}
	if len(spec) > maxPortSpec {
		return bad(fmt.Sprintf("longer than %d characters", maxPortSpec))
	}
	for _, item := range strings.Split(spec, ",") {
		item = strings.Trim(item, portSpace)
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := parsePort(lo)
		if err != nil {
			return bad(inItem(item, err))
		}
		if !isRange {
			continue
		}
		b, err := parsePort(hi)
		if err != nil {
			return bad(inItem(item, err))
		}
		if a > b {
			return bad(fmt.Sprintf("range %s is reversed", item))
		}
	}
	return nil
}

// inItem names the comma-separated item a port error is about, when the
// error does not quote it already ("-p" gives an empty port before "-").
func inItem(item string, err error) string {
	if strings.Contains(err.Error(), item) {
		return err.Error()
	}
	return fmt.Sprintf("in %q: %v", item, err)
}

func parsePort(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty port (want digits, commas and ranges such as 22,80,8000-8100)")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a port number (want digits, commas and ranges such as 22,80,8000-8100)", s)
		}
	}
	// Leading zeros are nmap's to read as it reads 22 (strtol): 00022 and
	// 0000000022 scan port 22, 00000 port 0.
	digits := strings.TrimLeft(s, "0")
	if len(digits) > 5 {
		return 0, fmt.Errorf("port %s out of range 1-65535", s)
	}
	n, _ := strconv.Atoi(digits) // "" (zeros only): 0
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s out of range 1-65535", s)
	}
	return n, nil
}
