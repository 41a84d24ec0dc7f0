package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// The summary is what `run` prints on stdout for a person (a terminal, or
// --output text): the outcome, each target with its status and findings,
// then where the signatures went. The targets the executor did not reach
// are named with why after the outcome (the first maxListed), each of
// their lines saying "not reached".
//
//	nmap: success · 2 targets · 4.2s
//	  127.0.0.1        2 open ports
//	      22/tcp open ssh (OpenSSH 9.6p1)
//	      80/tcp open http (nginx 1.24.0)
//	  web.example.com  not scanned
//	signatures delivered to https://backend.example.com/api/injects/inj-42/callback

// maxReason bounds, in runes, why a target was not reached as the
// summary quotes it.
const maxReason = 120

// collapseAbove is the number of targets past which the targets with
// nothing to show are listed together, by status.
const collapseAbove = 20

// writeSummary writes the summary of r; where is the last line.
func writeSummary(w io.Writer, r *runtime.Report, where string) error {
	var b strings.Builder
	labels := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		labels[i] = targetLabel(t)
	}
	fmt.Fprintf(&b, "%s: %s · %d %s · %s\n", r.Injector, r.Status, len(labels), plural(len(labels), "target", "targets"),
		roundElapsed(r.Finished.Sub(r.Started)))
	if ei := r.Output.ErrorInfo; ei != nil && ei.Message != "" {
		fmt.Fprintf(&b, "  error: %s\n", oneLine(ei.Message))
	}
	v := readFindings(r.Output.Findings, labels, r.Status == framework.StatusSuccess || r.Status == framework.StatusPartial)
	var unreached []string
	for i, why := range r.Unreached() {
		unreached = append(unreached, labels[i]+" ("+fit(why, maxReason)+")")
		v.status[i] = "not reached"
	}
	if len(unreached) > 0 {
		fmt.Fprintf(&b, "  not reached: %d %s: %s\n", len(unreached), plural(len(unreached), "target", "targets"),
			oneLine(joinList(unreached, maxListed, ", ")))
	}
	width := 0
	for _, l := range labels {
		width = max(width, min(len(l), 40))
	}
	collapsed := map[string][]string{} // status → labels
	var order []string
	for i, l := range labels {
		status, ok := v.status[i]
		if !ok {
			status = string(r.Status)
		}
		details := v.perTarget[i]
		if len(details) == 0 && len(labels) > collapseAbove {
			if _, seen := collapsed[status]; !seen {
				order = append(order, status)
			}
			collapsed[status] = append(collapsed[status], l)
			continue
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", width, l, oneLine(status))
		for _, d := range details {
			fmt.Fprintf(&b, "      %s\n", oneLine(d))
		}
	}
	for _, status := range order {
		ls := collapsed[status]
		fmt.Fprintf(&b, "  %d %s %s: %s\n", len(ls), plural(len(ls), "target", "targets"), oneLine(status),
			joinList(ls, maxListed, ", "))
	}
	if len(r.Partial) > 0 {
		fmt.Fprintf(&b, "  partial results before the %s:\n", r.Status)
		for _, p := range list(r.Partial, maxListed) {
			fmt.Fprintf(&b, "      %s\n", oneLine(p))
		}
		if len(r.Partial) > maxListed {
			fmt.Fprintf(&b, "      … %d more\n", len(r.Partial)-maxListed)
		}
	}
	if len(v.general) > 0 {
		b.WriteString("  findings:\n")
		for _, g := range v.general {
			fmt.Fprintf(&b, "      %s\n", oneLine(g))
		}
	}
	b.WriteString(where + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// targetLabel names a target in the summary: its address or host name,
// its query (narrowed), or its cloud provider, account, region and
// service.
func targetLabel(t framework.Target) string {
	switch c := t.Config.(type) {
	case signatures.NetworkConfig:
		return c.Value()
	case signatures.ExternalConfig:
		s := fmt.Sprintf("%q", c.Query)
		for _, n := range []string{c.TargetIPv4, c.TargetHostname} {
			if n != "" {
				s += " on " + n
			}
		}
		return s
	case signatures.CloudConfig:
		return strings.TrimSpace(strings.Join([]string{c.CloudProvider, c.CloudAccountID, c.CloudRegion, c.TargetService}, " "))
	}
	return "target"
}
