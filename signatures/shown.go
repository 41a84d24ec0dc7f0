package signatures

import (
	"fmt"
	"strings"
)

// How an error shows a refused address, CIDR range or host name: every
// layer that refuses one (the command line, the runtime, the platform's
// INVALID_USAGE message) shows it through ShownTarget, so a line of an
// environment or password file given as a target by mistake is never
// echoed, whichever refuses it.

// ShownTarget returns v, a refused address, CIDR range or host name, as an
// error shows it: Go-quoted and cut to MaxQuoted bytes when it reads as an
// attempt at one (ReadsAsTarget), so that the user sees the typo, else
// "(not shown)".
func ShownTarget(v string) string {
	if !ReadsAsTarget(v) {
		return "(not shown)"
	}
	return fmt.Sprintf("%q", Shorten(v, MaxQuoted))
}

// addressField reports whether field, a path as ValidationError names it
// (targets[2].value, target_hostname, a platform message's
// inject_content.targets), holds an address, a CIDR range or a host name.
func addressField(field string) bool {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	switch field {
	case "value", "target_ipv4", "target_ipv6", "target_hostname", "targets":
		return true
	}
	return false
}

// ReadsAsTarget reports whether v, refused as an address or host name,
// reads as an attempt at one, to be echoed so that the user sees the typo
// (10.0.0.300, "10.0.0.1 10.0.0.2"): letters, digits and . - / % [ ] and
// the spaces and commas between several ('_' too in an IPv6 address's
// zone, as interface names hold it: fe80::1%docker_gwbridge), at most 253 bytes (the longest
// host name; an IPv6 zone aside, refused for its own length) in pieces of
// at most 63 (the longest label), and colons only as an IPv6 address or a
// host and a port write them; or a range in nmap's syntax (NmapRange:
// 10.0.0.*, 10.0.0.1,5) of at most 253 bytes. Anything else (a line such as TOKEN=s3cret,
// root:$6$…:19000:0:::, ghp_…, a token of 64 characters and more) may be
// a secret of a file given by mistake, and is not echoed.
func ReadsAsTarget(v string) bool {
	if NmapRange(strings.TrimSuffix(v, ".")) && len(v) <= 253 { // 10.0.0.*: digits, dots, "*", "," and "-" alone
		return true
	}
	sawColon, inZone := false, false // within one address: a ':' seen, past its '%'
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch == '_' && inZone: // an interface's name: fe80::1%docker_gwbridge
			continue
		case ch == ':':
			sawColon = true
		case ch == '%':
			inZone = sawColon
		case strings.IndexByte("]/, ", ch) >= 0:
			sawColon, inZone = false, false
		}
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			strings.IndexByte(".-/%[]:, ", ch) >= 0) {
			return false
		}
	}
	measured := v
	if addr, _, ok := strings.Cut(v, "%"); ok && strings.Contains(addr, ":") {
		measured = addr // fe80::1%eth0
	}
	if len(measured) > 253 {
		return false
	}
	for _, piece := range strings.FieldsFunc(measured, func(r rune) bool { return strings.ContainsRune(".:/%[], ", r) }) {
		if len(piece) > 63 {
			return false
		}
	}
	if !strings.Contains(v, ":") {
		return true
	}
	// A host and a port (web.example:8080), else IPv6 addresses: groups
	// of at most 4 hex digits, an IPv4 address last, maybe in brackets
	// with a port, a zone or a prefix length after them.
	if _, port, ok := strings.Cut(v, ":"); ok && !strings.Contains(port, ":") && strings.Trim(port, "0123456789") == "" {
		return true
	}
	for _, one := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		if !strings.Contains(one, ":") {
			continue // a host name or an IPv4 address beside it
		}
		addr := strings.TrimPrefix(one, "[")
		if i := strings.IndexAny(addr, "]%/"); i >= 0 {
			addr = addr[:i]
		}
		groups := strings.Split(addr, ":")
		for i, g := range groups {
			if len(g) <= 4 && strings.Trim(g, "0123456789abcdefABCDEF") == "" {
				continue
			}
			if i < len(groups)-1 || strings.Trim(g, "0123456789.") != "" {
				return false
			}
		}
	}
	return true
}
