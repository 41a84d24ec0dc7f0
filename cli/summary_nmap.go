package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// scanRow is a row of nmap's scan_results.
type scanRow struct {
	Port      int    `json:"port"`
	Protocol  string `json:"protocol"`
	Service   string `json:"service"`
	Product   string `json:"product"`
	Version   string `json:"version"`
	Host      string `json:"host"`
	Target    string `json:"target"`
	Unmatched bool   `json:"unmatched"`
}

// nmapFindings adds nmap's findings to v: scan_results per target, the
// hosts matching no target (unmatched_results, and unmatched_hosts up
// without an open port) for the whole inject, unscanned_targets as their
// targets' status; ports (all of them again) is marked done.
func (v *findingsView) nmapFindings(raw map[string]json.RawMessage, labels []string, complete bool, done map[string]bool) {
	var rows, strays []scanRow
	if !decode(raw, "scan_results", &rows, done) {
		return
	}
	done["ports"] = true
	if decode(raw, "unmatched_results", &strays, done) { // the open ports of hosts matching no target
		for _, r := range strays {
			r.Unmatched = true
			rows = append(rows, r)
		}
	}
	var hosts []string // those up without an open port are shown as such
	if decode(raw, "unmatched_hosts", &hosts, done) {
		for _, h := range hosts {
			if !slices.ContainsFunc(strays, func(r scanRow) bool { return r.Host == h }) {
				rows = append(rows, scanRow{Host: h, Unmatched: true})
			}
		}
	}
	index := newLabelIndex(labels)
	v.scanResults(rows, index, len(labels), complete)
	var unscanned []string
	if decode(raw, "unscanned_targets", &unscanned, done) && complete {
		for _, u := range unscanned {
			for _, i := range index.of(u) {
				v.status[i] = "not scanned"
			}
		}
	}
}

func (v *findingsView) scanResults(rows []scanRow, index labelIndex, targets int, complete bool) {
	var strays []string
	for _, r := range rows {
		port := fmt.Sprint(r.Port)
		if r.Protocol != "" {
			port += "/" + r.Protocol
		}
		line := port + " open"
		if r.Port == 0 { // an unmatched host without an open port
			line = "no open port"
		}
		if r.Service != "" { // nmap named none: no invented name
			line += " " + r.Service
		}
		if pv := strings.TrimSpace(r.Product + " " + r.Version); pv != "" {
			line += " (" + pv + ")"
		}
		target := r.Target
		if target == "" { // the platform's portscan shape: asset_id, host, port, service
			target = r.Host
		}
		if r.Host != "" && (r.Unmatched || !sameWord(r.Host, target)) {
			line = r.Host + " " + line
		}
		idx := index.of(target)
		if r.Unmatched || len(idx) == 0 {
			strays = append(strays, line)
			continue
		}
		for _, i := range idx {
			if !slices.Contains(v.perTarget[i], line) { // a host scanned twice (by name and address)
				v.perTarget[i] = append(v.perTarget[i], line)
			}
		}
	}
	for i := range targets {
		if _, ok := v.perTarget[i]; !ok {
			if complete {
				v.status[i] = "no open port"
			}
		} else {
			v.status[i] = fmt.Sprintf("%d open %s", len(v.perTarget[i]), plural(len(v.perTarget[i]), "port", "ports"))
		}
	}
	if len(strays) > 0 {
		v.general = append(v.general, "hosts matching no target: "+joinList(strays, maxListed, "; "))
	}
}
