// Package inetaddr is the one place both the openaev profile and the
// openaevtest stand-in take the OpenAEV platform's address rules from:
// which strings its ipv4 and ipv6 output processors accept
// (IPv4OutputProcessor and IPv6OutputProcessor validate a finding with
// Apache commons-validator's InetAddressValidator, version 1.10.0 in the
// 2.4.0 platform's pom.xml; 1.18.19's ContractOutputType calls the same
// methods). A finding the processor refuses makes the platform drop the
// whole callback, so the profile must send no address Valid4 or Valid6
// refuses, and should leave out none they accept.
//
// The rules are the validator's, not Go's net/netip, which refuses a
// prefix length ("2001:db8::/32") the validator accepts and accepts a
// zone ("fe80::1%a b") it refuses.
package inetaddr

import (
	"strings"
	"unicode"
)

// Valid4 reports whether s is an IPv4 address as
// InetAddressValidator.isValidInet4Address reads one: four groups of one
// to three ASCII digits separated by dots, each at most 255 and without a
// leading zero ("0" is one, "01" is not).
func Valid4(s string) bool {
	groups := strings.Split(s, ".")
	if len(groups) != 4 {
		return false
	}
	for _, g := range groups {
		if len(g) > 1 && g[0] == '0' || !digitsUpTo(g, 255) {
			return false
		}
	}
	return true
}

// Valid6 reports whether s is an IPv6 address as
// InetAddressValidator.isValidInet6Address reads one:
//   - an optional prefix length after one '/': one to three ASCII digits,
//     at most 128 (leading zeros allowed);
//   - an optional zone after one '%': not empty, without whitespace
//     (' ', \t, \n, \v, \f, \r: Java's \s), '/' or '%';
//   - at most one "::", the address neither starting nor ending with a
//     single ':';
//   - at most eight groups (an IPv4 address as the last counts two), or
//     fewer with "::"; a group of only characters up to U+0020 counts as
//     an empty one (String.trim), and no two empty groups may follow each
//     other;
//   - each other group at most four characters that Integer.parseInt
//     reads in base 16 to a value from 0: hexadecimal digits, which
//     include any Unicode decimal digit and the fullwidth A-F and a-f
//     (Character.digit), after an optional sign ("+1", and "-0" since it
//     is 0, but not "-1").
func Valid6(s string) bool {
	parts := strings.Split(s, "/")
	if len(parts) > 2 {
		return false
	}
	if len(parts) == 2 && !digitsUpTo(parts[1], 128) {
		return false
	}
	parts = strings.Split(parts[0], "%")
	if len(parts) > 2 || len(parts) == 2 && !zone(parts[1]) {
		return false
	}
	a := parts[0]
	compressed := strings.Contains(a, "::")
	if compressed && strings.Index(a, "::") != strings.LastIndex(a, "::") {
		return false
	}
	startsCompressed, endsCompressed := strings.HasPrefix(a, "::"), strings.HasSuffix(a, "::")
	if strings.HasPrefix(a, ":") && !startsCompressed || strings.HasSuffix(a, ":") && !endsCompressed {
		return false
	}
	groups := javaSplit(a, ":")
	if compressed {
		if endsCompressed {
			groups = append(groups, "")
		} else if startsCompressed && len(groups) > 0 {
			groups = groups[1:]
		}
	}
	if len(groups) > 8 {
		return false
	}
	valid, empty := 0, 0
	for i, g := range groups {
		if blank(g) {
			if empty++; empty > 1 {
				return false
			}
			valid++
			continue
		}
		empty = 0
		if i == len(groups)-1 && strings.Contains(g, ".") {
			if !Valid4(g) {
				return false
			}
			valid += 2
			continue
		}
		if !hexGroup(g) {
			return false
		}
		valid++
	}
	return valid <= 8 && (valid == 8 || compressed)
}

// javaSplit splits s around sep as Java's String.split does: trailing
// empty strings are dropped, but a string without sep is returned whole
// (so "" is [""]).
func javaSplit(s, sep string) []string {
	if !strings.Contains(s, sep) {
		return []string{s}
	}
	out := strings.Split(s, sep)
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// digitsUpTo reports whether s is one to three ASCII digits (leading zeros
// allowed) whose number is at most most: an IPv4 group (255), a prefix
// length (128).
func digitsUpTo(s string, most int) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= most
}

// zone: [^\s/%]+, Java's \s being ASCII whitespace.
func zone(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n\v\f\r/%")
}

// blank is GenericValidator.isBlankOrNull: empty once String.trim has
// removed the characters up to U+0020 at both ends.
func blank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }) == ""
}

// hexGroup: at most four UTF-16 units that Integer.parseInt(g, 16) reads
// to a value from 0 to 0xffff.
func hexGroup(g string) bool {
	runes := []rune(g)
	for _, r := range runes {
		if r > 0xffff {
			return false // two UTF-16 units, neither a digit
		}
	}
	if len(runes) > 4 {
		return false
	}
	sign := runes[0]
	digits := runes
	if sign == '+' || sign == '-' {
		digits = runes[1:]
	}
	if len(digits) == 0 {
		return false
	}
	zero := true
	for _, r := range digits {
		d := hexDigit(r)
		if d < 0 {
			return false
		}
		zero = zero && d == 0
	}
	return sign != '-' || zero
}

// hexDigit is Character.digit(r, 16) for a character of the Basic
// Multilingual Plane: -1 for none.
func hexDigit(r rune) int {
	switch {
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10
	case r >= '\uff21' && r <= '\uff26': // fullwidth A-F
		return int(r-'\uff21') + 10
	case r >= '\uff41' && r <= '\uff46': // fullwidth a-f
		return int(r-'\uff41') + 10
	case unicode.IsDigit(r):
		return digitValue(r)
	}
	return -1
}

// digitValue is the decimal value of a Unicode decimal digit (category
// Nd): Unicode lays each script's digits out as a run of ten from zero.
func digitValue(r rune) int {
	n := 0
	for r-rune(n) > 0 && unicode.IsDigit(r-rune(n)-1) && n < 9 {
		n++
	}
	return n
}
