package nmap

import "github.com/injectkit/injectkit/framework"

// Why a target got no packet (framework.ToolOutput.Unreached), in words
// that finish "nmap on <target>: ".
const (
	whyUnresolved   = "not scanned: the name does not resolve"
	whyNoIPv4       = "not scanned: the name resolves to no IPv4 address (nmap scans names over IPv4)"
	whyUnresolvedIP = "not scanned: nmap could not resolve it"
	whySkipped      = "not scanned: nmap finished its scan without it"
	// whyNoRouteSkipped: a SYN or FIN scan skips a target it finds no
	// route to, and says so on its standard error (unresolvedNames).
	whyNoRouteSkipped = "not scanned: no route to it (nmap: failed to determine route)"
	whyCutBefore      = "not scanned: the run was cut short before its scan started"
	whyStoppedBefore  = "not scanned: the run stopped before its scan started (an earlier scan was killed)"
	whyQuit           = "not scanned: nmap quit before its scan started"
	whyNotInstalled   = "not scanned: nmap is not installed"
	whyCannotRun      = "not scanned: nmap could not be started"
	whyRefused        = "not scanned: the inject was refused before nmap ran"
)

// allUnreached names every target of in not reached, with why; nil when
// there is none.
func allUnreached(in []framework.Target, why string) map[framework.Target]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[framework.Target]string, len(in))
	for _, t := range in {
		out[t] = why
	}
	return out
}

// unreached returns the targets no packet went to, keyed by the inject's
// target (in), with why: those of the scans never started (groups from
// started on: the run cut short, or stopped by a kill), and those a scan
// nmap finished normally (finished: by scan, the targets nmap's standard
// error says it failed to resolve, unresolvedNames) reported no host for, and those of the scans nmap quit before
// starting (quit, see quitBeforeScan): with -Pn nmap reports every target it
// resolves, so that is one it did not (a name, or a zone, it says it
// failed to resolve; one it says nothing of, when nmap reported no host
// that matches no target). A target of a scan cut short
// that nmap reported no host for may have been probed: it is not named.
// nil when every target was reached.
func unreached(in []framework.Target, targets []scanTarget, r report, groups []scanGroup, started int, cut bool, finished map[int]map[string]string, quit map[int]bool) map[framework.Target]string {
	var out map[framework.Target]string
	add := func(i int, why string) {
		if out == nil {
			out = map[framework.Target]string{}
		}
		out[in[i]] = why
	}
	for _, g := range groups[started:] {
		why := whyStoppedBefore
		if cut {
			why = whyCutBefore
		}
		for _, t := range g.targets {
			add(t.index, why)
		}
	}
	for _, t := range targets {
		if quit[t.scan] {
			add(t.index, whyQuit)
			continue
		}
		unresolved, ok := finished[t.scan]
		why, failed := unresolved[t.nmapInput()]
		switch {
		case r.scanned[t.index] || !ok:
		case !failed && len(r.unmatched) > 0:
			// A host nmap reported that matches no target may be
			// this one's: it may have been probed.
		case !failed:
			add(t.index, whySkipped)
		case t.name != "" || why == whyNoRouteSkipped:
			add(t.index, why)
		default:
			add(t.index, whyUnresolvedIP)
		}
	}
	return out
}
