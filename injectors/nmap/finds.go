package nmap

import (
	"slices"
	"strings"
)

// targetFinds are the open ports found on one target's hosts: one entry
// a service label ("22/tcp ssh"), in the order found. A target has one
// or a few: a list, searched in place, holds them in a few dozen bytes
// where two maps took hundreds; past manyFinds an index is added, so
// that a host with every port open costs no quadratic search.
type targetFinds struct {
	found   []foundPort
	byLabel map[string]bool    // set once found is past manyFinds
	byPort  map[portProto]bool // likewise
}

type foundPort struct {
	port     int
	protocol string
	label    string // serviceLabel
}

type portProto struct {
	port     int
	protocol string
}

// manyFinds is the most entries targetFinds searches without an index.
const manyFinds = 16

func (r report) finds(i int) *targetFinds {
	f := r.perTarget[i]
	if f == nil {
		f = &targetFinds{}
		r.perTarget[i] = f
	}
	return f
}

// has reports whether an open port numbered port of protocol was found
// on the target.
func (f *targetFinds) has(port int, protocol string) bool {
	if f.byPort != nil {
		return f.byPort[portProto{port, protocol}]
	}
	return slices.ContainsFunc(f.found, func(x foundPort) bool { return x.port == port && x.protocol == protocol })
}

// add notes open port p, once a service label.
func (f *targetFinds) add(p port) {
	label := serviceLabel(p)
	if f.byLabel != nil {
		if f.byLabel[label] {
			return
		}
	} else if slices.ContainsFunc(f.found, func(x foundPort) bool { return x.label == label }) {
		return
	}
	f.found = append(f.found, foundPort{p.number(), p.Protocol, label})
	switch {
	case f.byLabel != nil:
		f.byLabel[label] = true
		f.byPort[portProto{p.number(), p.Protocol}] = true
	case len(f.found) > manyFinds:
		f.byLabel, f.byPort = map[string]bool{}, map[portProto]bool{}
		for _, x := range f.found {
			f.byLabel[x.label] = true
			f.byPort[portProto{x.port, x.protocol}] = true
		}
	}
}

// portsAndServices returns the target's open port numbers, ascending,
// once each, and its service labels ordered by port, then label.
func (f *targetFinds) portsAndServices() ([]int, []string) {
	ports, services := make([]int, 0, len(f.found)), make([]string, 0, len(f.found))
	for _, x := range f.found {
		ports = append(ports, x.port)
	}
	slices.Sort(ports)
	ports = slices.Clip(slices.Compact(ports))
	found := slices.Clone(f.found)
	slices.SortFunc(found, func(a, b foundPort) int {
		if a.port != b.port {
			return a.port - b.port
		}
		return strings.Compare(a.label, b.label)
	})
	for _, x := range found {
		services = append(services, x.label)
	}
	return ports, services
}
