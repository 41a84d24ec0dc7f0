package framework

import "strings"

// PortsParam returns the first declared param that takes the ports a
// target written with one (web.example:8080) meant: one whose name,
// split on '_', '-' and '.', has the word port or ports, case aside
// (nmap's ports, target_ports, port-range), never one that only holds
// those letters (report_format, transport). false when there is none: the
// injector takes no ports.
func (m Manifest) PortsParam() (Param, bool) {
	for _, p := range m.Params {
		for _, w := range strings.FieldsFunc(strings.ToLower(p.Name), func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
			if w == "port" || w == "ports" {
				return p, true
			}
		}
	}
	return Param{}, false
}
