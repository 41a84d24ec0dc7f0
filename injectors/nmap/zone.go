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

// checkZones refuses, before anything runs, a target whose IPv6 zone is a
// name no interface of this machine has (ifIndex fails): nmap reports it
// "Failed to resolve" and scans nothing. A zone of digits is an interface
// index, given to nmap as it is. The check is this machine's: validate
// run elsewhere checks that machine's interfaces, as it checks there the
// privileges a syn scan needs. A zone of 25 and a name is most likely a
// URL's escape of '%' (fe80::1%25eth0 for fe80::1%eth0): the error says
// so. ifIndex nil checks nothing.
func checkZones(in []framework.Target, targets []scanTarget, ifIndex func(name string) (int, error)) error {
	if ifIndex == nil {
		return nil
	}
	for _, t := range targets {
		if t.zone == "" || strings.Trim(t.zone, "0123456789") == "" {
			continue
		}
		if n, err := ifIndex(t.zone); err == nil && n > 0 {
			continue
		}
		reason := fmt.Sprintf("zone %q names no network interface of this machine (checked against the interfaces of the machine that checks the inject)",
			t.zone)
		if rest, ok := strings.CutPrefix(t.zone, "25"); ok && rest != "" {
			reason += fmt.Sprintf("; a zone follows a bare '%%' (%%25 is how a URL escapes '%%'): for interface %q write %s%%%s",
				rest, t.addr, rest)
		}
		c, _ := in[t.index].Network()
		return &signatures.ValidationError{Field: fmt.Sprintf("targets[%d]", t.index), Value: c.Value(), Reason: reason, Err: ErrNoInterface}
	}
	return nil
}
