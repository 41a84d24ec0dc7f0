package nmap

import (
	"bytes"
	"strings"
)

// maxStderrLine bounds, in bytes, a line of nmap's standard error that
// unresolvedNames reads: a name is at most 253 bytes, a zone a few more.
// A longer line is skipped.
const maxStderrLine = 1 << 10

// unresolvedNames reads nmap's standard error as it streams in and keeps
// the targets of one scan nmap says it failed to resolve (its line
// `Failed to resolve "NAME".`), or skipped for want of a route to them
// (`setup_target: failed to determine route to …`), among those it was given (want, as nmap
// was given them): its memory is bounded by the scan's targets and one
// line, however much nmap writes, and no line is lost to a tail.
type unresolvedNames struct {
	want   map[string]bool
	failed map[string]string // why, by name; nil until nmap names one
	line   []byte            // the line being read, at most maxStderrLine bytes
	long   bool              // the line being read passed maxStderrLine: skipped
}

// newUnresolvedNames returns a reader of the lines naming the targets of
// g nmap failed to resolve.
func newUnresolvedNames(g scanGroup) *unresolvedNames {
	want := make(map[string]bool, len(g.targets))
	for _, t := range g.targets {
		want[t.nmapInput()] = true
	}
	return &unresolvedNames{want: want}
}

func (u *unresolvedNames) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if !u.long && len(u.line)+len(part) <= maxStderrLine {
			u.line = append(u.line, part...)
		} else {
			u.long, u.line = true, u.line[:0]
		}
		if i < 0 {
			break
		}
		u.endLine()
		p = p[i+1:]
	}
	return n, nil
}

// endLine reads the line read so far, then starts the next one.
func (u *unresolvedNames) endLine() {
	if !u.long {
		line := strings.TrimSuffix(string(u.line), "\r")
		if name, ok := strings.CutPrefix(line, `Failed to resolve "`); ok {
			if name, ok = strings.CutSuffix(name, `".`); ok && u.want[name] && u.failed[name] == "" {
				u.fail(name, whyUnresolved)
			}
		}
		// A SYN or FIN scan skips a target it finds no route to
		// (setup_target): NameIP's "198.51.100.7", "name (198.51.100.7)".
		if t, ok := strings.CutPrefix(line, "setup_target: failed to determine route to "); ok {
			if name, _, named := strings.Cut(t, " ("); named && u.want[name] {
				u.fail(name, whyNoRouteSkipped)
			} else if u.want[t] {
				u.fail(t, whyNoRouteSkipped)
			}
		}
		// Written before its "Failed to resolve" line: the name resolves
		// to IPv6 addresses alone.
		if name, ok := strings.CutPrefix(line, "Warning: Hostname "); ok {
			if name, ok = strings.CutSuffix(name, " resolves, but not to any IPv4 address. Try scanning with -6"); ok && u.want[name] {
				u.fail(name, whyNoIPv4)
			}
		}
	}
	u.line, u.long = u.line[:0], false
}

// fail records that nmap failed to resolve name, and why.
func (u *unresolvedNames) fail(name, why string) {
	if u.failed == nil {
		u.failed = map[string]string{}
	}
	u.failed[name] = why
}

// names returns the targets nmap said it failed to resolve, by what nmap
// was given, with why (whyUnresolved, or whyNoIPv4 for a name nmap said
// resolves to no IPv4 address, whyNoRouteSkipped for one it found no route
// to), a last line without its newline read
// too; nil when none.
func (u *unresolvedNames) names() map[string]string {
	if len(u.line) > 0 || u.long {
		u.endLine()
	}
	return u.failed
}
