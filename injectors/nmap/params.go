package nmap

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// Scan types.
const (
	ScanConnect = "connect" // -sT: a full TCP connect, no privileges needed
	ScanSYN     = "syn"     // -sS: half-open SYN scan, needs root
	ScanFIN     = "fin"     // -sF: FIN scan, needs root
)

// ErrNeedsRoot is returned for a scan type that needs raw sockets when the
// process does not run as root.
var ErrNeedsRoot = errors.New("scan type needs root privileges")

// maxPortSpec bounds the length of the ports parameter.
const maxPortSpec = 1024

// Params are the inject parameters of the nmap injector. Nothing a user types
// reaches nmap except through these fields, each validated by Validate.
type Params struct {
	// ScanType is connect (default), syn or fin.
	ScanType string `json:"scan_type"`
	// Ports is an nmap port specification made only of digits, commas and
	// ranges (22,80,8000-8100). Empty: nmap's default port list.
	Ports string `json:"ports"`
	// Timing is nmap's timing template, 0 (paranoid) to 5 (insane).
	Timing int `json:"timing"`
	// ServiceDetection turns on nmap's version detection (-sV).
	ServiceDetection bool `json:"service_detection"`
}

// DefaultParams returns the parameters used when an inject sets none.
func DefaultParams() Params {
	return Params{ScanType: ScanConnect, Timing: 3}
}

// Validate checks every field and returns a *signatures.ValidationError
// naming the first bad one. It does not check privileges (see
// Executor.ValidateParams).
func (p Params) Validate() error {
	switch p.ScanType {
	case ScanConnect, ScanSYN, ScanFIN:
	default:
		return &signatures.ValidationError{Field: "scan_type", Value: p.ScanType,
			Reason: "unknown scan type (valid: connect, syn, fin)"}
	}
	if p.Timing < 0 || p.Timing > 5 {
		return &signatures.ValidationError{Field: "timing", Value: strconv.Itoa(p.Timing),
			Reason: "must be between 0 and 5"}
	}
	return validatePorts(p.Ports)
}

// needsRoot reports whether the scan type needs raw sockets.
func (p Params) needsRoot() bool { return p.ScanType == ScanSYN || p.ScanType == ScanFIN }

// validatePorts accepts an empty spec or comma-separated items, each a port
// or a range lo-hi with 1 <= lo <= hi <= 65535.
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
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := parsePort(lo)
		if err != nil {
			return bad(err.Error())
		}
		if !isRange {
			continue
		}
		b, err := parsePort(hi)
		if err != nil {
			return bad(err.Error())
		}
		if a > b {
			return bad(fmt.Sprintf("range %s is reversed", item))
		}
	}
	return nil
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
	if len(s) > 5 {
		return 0, fmt.Errorf("port %s out of range 1-65535", s)
	}
	n, _ := strconv.Atoi(s)
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s out of range 1-65535", s)
	}
	return n, nil
}
