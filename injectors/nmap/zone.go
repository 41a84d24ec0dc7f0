package nmap

import (
	"errors"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// ErrNoInterface is wrapped by the error of an IPv6 target whose zone
// names no network interface of the machine that checks it: nmap could
// not resolve it, so that nothing would be scanned.
var ErrNoInterface = errors.New("zone names no network interface of this machine")

// checkZones refuses, before anything runs, a target whose IPv6 zone names
// no interface of this machine (ifIndex fails): a name nmap reports
// "Failed to resolve" and scans nothing; an index of digits (fe80::1%99)
// no interface has, or 0, which is none, the kernel will not route to.
// The check is this machine's: validate run elsewhere checks that
// machine's interfaces, as it checks there the privileges a syn scan
// needs. A zone of 25 and more is most likely a URL's escape of '%'
// (fe80::1%25eth0 for fe80::1%eth0): the error says so. ifIndex nil
// checks nothing.
func checkZones(in []framework.Target, targets []scanTarget, ifIndex func(zone string) (int, error)) error {
	if ifIndex == nil {
		return nil
	}
	for _, t := range targets {
		if t.zone == "" {
			continue
		}
		if n, err := ifIndex(t.zone); err == nil && n > 0 {
			continue
		}
		reason := fmt.Sprintf("zone %q names no network interface of this machine (checked against the interfaces of the machine that checks the inject)",
			t.zone)
		if numericZone(t.zone) {
			reason = fmt.Sprintf("zone %q is an interface index no network interface of this machine has (checked against the interfaces of the machine that checks the inject)",
				t.zone)
		}
		switch rest, ok := strings.CutPrefix(t.zone, "25"); {
		case ok && rest != "":
			reason += fmt.Sprintf("; a zone follows a bare '%%' (%%25 is how a URL escapes '%%'): for interface %q write %s%%%s",
				rest, t.addr, rest)
		case ok:
			reason += "; a zone follows a bare '%' (%25 is how a URL escapes '%')"
		}
		c, _ := in[t.index].Network()
		return &signatures.ValidationError{Field: fmt.Sprintf("targets[%d]", t.index), Value: c.Value(), Reason: reason, Err: ErrNoInterface}
	}
	return nil
}
