package signatures

import (
	"bufio"
	"bytes"
	"errors"
	"net/netip"
	"strings"
)

// The files libc reads to resolve a host name (glibc's getaddrinfo: the
// sources of nsswitch.conf's hosts line, /etc/hosts for its files source).
const (
	nsswitchPath = "/etc/nsswitch.conf"
	hostsPath    = "/etc/hosts"
)

// errLibcAgrees is what DefaultResolver's HostnameI returns, without
// starting `hostname -i`, when libc would answer it from what Go's
// resolver has already read (libcAgrees).
var errLibcAgrees = errors.New("libc resolves the host name from what Go's resolver read")

// libcAgrees reports whether libc's getaddrinfo of the host name host,
// which `hostname -i` prints, answers what Go's resolver (LookupHost)
// found for it, given the contents of nsswitch.conf (nil when absent) and
// a reader of /etc/hosts' (read only when needed): when the hosts line lists no source but files and dns,
// the two Go's resolver reads itself (so does glibc's default, with no
// file or no hosts line), or when its first source is files, with no
// action of its own, and /etc/hosts lists host (libc stops at the files
// source's success: the lines Go's resolver read too). Otherwise a
// source Go does not read (myhostname, resolve, mdns4_minimal, ldap,
// sss…) may answer: libc is asked.
func libcAgrees(nsswitch []byte, hosts func() []byte, host string) bool {
	sources, ok := hostsSources(nsswitch)
	if !ok {
		return true
	}
	onlyGo := true
	for _, s := range sources {
		if s.name != "files" && s.name != "dns" {
			onlyGo = false
		}
	}
	if onlyGo {
		return true
	}
	return host != "" && len(sources) > 0 && sources[0].name == "files" && !sources[0].actions &&
		inHosts(hosts(), host)
}

// nssSource is one source of an nsswitch.conf line: its name, and
// whether an action ([NOTFOUND=return]…) follows it.
type nssSource struct {
	name    string
	actions bool
}

// hostsSources returns the sources of nsswitch.conf's hosts line, the
// last one when there are several; ok is false when there is none.
func hostsSources(conf []byte) (sources []nssSource, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		db, rest, found := strings.Cut(line, ":")
		if !found || strings.TrimSpace(db) != "hosts" {
			continue
		}
		sources, ok = nil, true
		for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
			if rest[0] == '[' {
				_, after, _ := strings.Cut(rest, "]")
				if n := len(sources); n > 0 {
					sources[n-1].actions = true
				}
				rest = after
				continue
			}
			end := strings.IndexAny(rest, " \t[")
			if end < 0 {
				end = len(rest)
			}
			sources = append(sources, nssSource{name: rest[:end]})
			rest = rest[end:]
		}
	}
	return sources, ok
}

// inHosts reports whether a line of /etc/hosts lists host, in any case,
// as libc's files source matches it.
func inHosts(hosts []byte, host string) bool {
	sc := bufio.NewScanner(bytes.NewReader(hosts))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if _, err := netip.ParseAddr(f[0]); err != nil {
			continue
		}
		for _, name := range f[1:] {
			if strings.EqualFold(name, host) {
				return true
			}
		}
	}
	return false
}
