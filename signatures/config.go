package signatures

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Config is a typed target configuration. It is sealed: the only
// implementations are NetworkConfig, CloudConfig and ExternalConfig, and the
// category of a configuration is its type.
type Config interface {
	// Category names the kind of target.
	Category() Category
	// Validate checks the configuration without any I/O and returns a
	// *ValidationError naming the first bad field.
	Validate() error
	// identity copies the configuration's non-empty fields into s.
	identity(s *Signature)
}

// Interface guards.
var (
	_ Config = NetworkConfig{}
	_ Config = CloudConfig{}
	_ Config = ExternalConfig{}
)

// NetworkConfig names one network asset: exactly one of its fields is set.
type NetworkConfig struct {
	TargetIPv4     string `json:"target_ipv4,omitempty"`
	TargetIPv6     string `json:"target_ipv6,omitempty"`
	TargetHostname string `json:"target_hostname,omitempty"`
}

// Category returns Network.
func (NetworkConfig) Category() Category { return Network }

// Validate checks that exactly one field is set and that it is well formed.
func (c NetworkConfig) Validate() error {
	set := 0
	for _, v := range []string{c.TargetIPv4, c.TargetIPv6, c.TargetHostname} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return &ValidationError{Field: "target", Value: c.describe(),
			Reason: "exactly one of target_ipv4, target_ipv6, target_hostname must be set"}
	}
	switch {
	case c.TargetIPv4 != "":
		return validateIPv4("target_ipv4", c.TargetIPv4)
	case c.TargetIPv6 != "":
		return validateIPv6("target_ipv6", c.TargetIPv6)
	default:
		return ValidateHostname("target_hostname", c.TargetHostname)
	}
}

// Value returns the one address or name the configuration targets.
func (c NetworkConfig) Value() string {
	switch {
	case c.TargetIPv4 != "":
		return c.TargetIPv4
	case c.TargetIPv6 != "":
		return c.TargetIPv6
	}
	return c.TargetHostname
}

func (c NetworkConfig) describe() string {
	var parts []string
	if c.TargetIPv4 != "" {
		parts = append(parts, "target_ipv4="+c.TargetIPv4)
	}
	if c.TargetIPv6 != "" {
		parts = append(parts, "target_ipv6="+c.TargetIPv6)
	}
	if c.TargetHostname != "" {
		parts = append(parts, "target_hostname="+c.TargetHostname)
	}
	return strings.Join(parts, " ")
}

func (c NetworkConfig) identity(s *Signature) {
	s.TargetIPv4, s.TargetIPv6, s.TargetHostname = c.TargetIPv4, c.TargetIPv6, c.TargetHostname
}

// CloudConfig names one cloud account in one region.
type CloudConfig struct {
	CloudProvider  string `json:"cloud_provider,omitempty"`
	CloudAccountID string `json:"cloud_account_id,omitempty"`
	CloudRegion    string `json:"cloud_region,omitempty"`
	TargetService  string `json:"target_service,omitempty"`
}

// Category returns Cloud.
func (CloudConfig) Category() Category { return Cloud }

// Validate checks that provider, account id and region are set.
func (c CloudConfig) Validate() error {
	for _, f := range []struct{ name, value string }{
		{"cloud_provider", c.CloudProvider},
		{"cloud_account_id", c.CloudAccountID},
		{"cloud_region", c.CloudRegion},
	} {
		if strings.TrimSpace(f.value) == "" {
			return &ValidationError{Field: f.name, Reason: "required"}
		}
		if err := validateToken(f.name, f.value); err != nil {
			return err
		}
	}
	if c.TargetService != "" {
		return validateToken("target_service", c.TargetService)
	}
	return nil
}

func (c CloudConfig) identity(s *Signature) {
	s.CloudProvider, s.CloudAccountID, s.CloudRegion, s.TargetService =
		c.CloudProvider, c.CloudAccountID, c.CloudRegion, c.TargetService
}

// ExternalConfig is an exposure query, optionally narrowed to one target.
type ExternalConfig struct {
	Query          string `json:"query,omitempty"`
	TargetIPv4     string `json:"target_ipv4,omitempty"`
	TargetHostname string `json:"target_hostname,omitempty"`
}

// Category returns External.
func (ExternalConfig) Category() Category { return External }

// Validate checks that the query is set, is valid UTF-8, holds no
// character Garbling refuses, and that the optional targets are well
// formed.
//
// A query is one line of printable text: it is shown to analysts in the
// platform's UI and in log lines, and matched by collectors against what
// the defences logged. So every control character (C0 including tab, line
// feed, carriage return and NUL; DEL; C1, U+009B being a terminal's CSI),
// every format character (Cf: U+00AD, U+200B to U+200F, the bidi
// embeddings and overrides U+202A to U+202E, the isolates U+2066 to
// U+2069, U+FEFF …) and the line and paragraph separators U+2028, U+2029
// are refused: a bidi control makes what an analyst reads differ from
// what was sent ("Trojan Source"), a zero-width character makes two
// queries that read alike differ, and a line break splits the log lines
// the collectors match. A tab is refused too: it stands where a space was
// meant, which can be typed instead, and in the signature it has no fixed
// width on screen and splits a tab-separated log line. Spaces (Zs: U+00A0, U+3000 …) and every printable character pass.
func (c ExternalConfig) Validate() error {
	if strings.TrimSpace(c.Query) == "" {
		return &ValidationError{Field: "query", Value: c.Query, Reason: "required"}
	}
	if !utf8.ValidString(c.Query) {
		// Sent as it is (%FF), reported as U+FFFD: the two would differ.
		return &ValidationError{Field: "query", Value: c.Query, Reason: "not valid UTF-8"}
	}
	if why := Garbling(c.Query); why != "" {
		return &ValidationError{Field: "query", Value: c.Query, Reason: why}
	}
	if (c.TargetIPv4 != "" || c.TargetHostname != "") && strings.Count(c.Query, `"`)%2 != 0 {
		return &ValidationError{Field: "query", Value: c.Query, Reason: ReasonUnbalancedQuote}
	}
	if c.TargetIPv4 != "" {
		if err := validateNarrowing(c.TargetIPv4); err != nil {
			return err
		}
	}
	if c.TargetHostname != "" {
		return ValidateHostname("target_hostname", c.TargetHostname)
	}
	return nil
}

// ReasonUnbalancedQuote is the Reason of the *ValidationError of an
// external target narrowed to an address or host name whose query leaves
// a double quote open: the narrowing, appended after the query, would be
// read inside the quoted phrase, and the search no longer narrowed.
const ReasonUnbalancedQuote = `holds an unclosed double quote: the narrowing to the target (ip:, hostname:) added after it would fall inside the quoted phrase; close the quote`

// ReasonOtherCategory is the reason a target of category cat is refused
// after the first target, written at first, was of category want: the
// category is said in words, not quoted as if it were the value the user
// wrote.
func ReasonOtherCategory(cat Category, first string, want Category) string {
	return fmt.Sprintf("%s %s target, where all targets must share one category (%s is %s)", article(string(cat)), cat, first, want)
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// ReasonIPv6Narrowing is the Reason of the *ValidationError of an
// external target whose target_ipv4 holds an IPv6 address or range.
const ReasonIPv6Narrowing = "a query is narrowed to an IPv4 address or a host name, not an IPv6 address"

// validateNarrowing checks the target_ipv4 of an external target: an
// IPv4 address, or an IPv4-mapped IPv6 one, which is the IPv4 address it
// maps (Canonical unmaps it); an error names v as written.
func validateNarrowing(v string) error {
	a, err := netip.ParseAddr(v)
	if err != nil {
		if p, perr := netip.ParsePrefix(v); perr == nil && !p.Masked().Addr().Is4() && !p.Masked().Addr().Is4In6() {
			return &ValidationError{Field: "target_ipv4", Value: v, Reason: ReasonIPv6Narrowing}
		}
		return validateIPv4("target_ipv4", v)
	}
	switch {
	case a.Is4In6():
		if reason := NotAHost(a.Unmap()); reason != "" {
			return &ValidationError{Field: "target_ipv4", Value: v, Reason: reason}
		}
		return nil
	case a.Is6():
		return &ValidationError{Field: "target_ipv4", Value: v, Reason: ReasonIPv6Narrowing}
	}
	return validateIPv4("target_ipv4", v)
}

func (c ExternalConfig) identity(s *Signature) {
	s.Query, s.TargetIPv4, s.TargetHostname = c.Query, c.TargetIPv4, c.TargetHostname
}

func validateIPv4(field, v string) error {
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is4() {
		return notAddress(field, v, "an IPv4 address")
	}
	if reason := NotAHost(a); reason != "" {
		return &ValidationError{Field: field, Value: v, Reason: reason}
	}
	return nil
}

func validateIPv6(field, v string) error {
	a, err := netip.ParseAddr(v)
	if err != nil && emptyZone(v) {
		return &ValidationError{Field: field, Value: v, Reason: ReasonEmptyZone}
	}
	if err != nil || !a.Is6() {
		return notAddress(field, v, "an IPv6 address")
	}
	if len(a.Zone()) > MaxZone {
		return &ValidationError{Field: field, Value: v, Reason: fmt.Sprintf(
			"zone longer than %d characters (an interface name holds at most %d, an index a few digits)", MaxZone, MaxZone)}
	}
	if i := badZoneChar(a.Zone()); i >= 0 {
		return &ValidationError{Field: field, Value: v,
			Reason: "zone may hold only letters, digits, '.', '_' and '-', not " + stray(v, strings.IndexByte(v, '%')+1+i)}
	}
	if reason := NotAHost(a); reason != "" {
		return &ValidationError{Field: field, Value: v, Reason: reason}
	}
	return nil
}

// MaxZone is the longest zone an IPv6 target may hold, in bytes: a Linux
// interface name holds at most 15 (IFNAMSIZ less its NUL), an interface
// index a few digits.
const MaxZone = 15

// NotAHost returns why a, whatever its zone and as an IPv4-mapped IPv6
// address too, is no host to scan, or "" when it is one. The unspecified
// address (0.0.0.0, ::) makes a tool act on the injector's own host, the
// limited broadcast address (255.255.255.255) and a multicast address
// (224.0.0.0/4, ff00::/8) name a group of hosts, not one. An
// IPv4-compatible IPv6 address (::a.b.c.d, a.b.c.d past 0.0.0.0/8,
// deprecated by RFC 4291 2.5.5.1) is the IPv6 address ::7f00:1 where
// ::127.0.0.1 was written for 127.0.0.1: a scan of it leaves by the
// default route, not to the IPv4 host meant. Loopback (::1 too) and
// link-local addresses are hosts.
func NotAHost(a netip.Addr) string {
	u := a.WithZone("").Unmap()
	if v4, ok := ipv4Compatible(u); ok {
		return fmt.Sprintf("an IPv4-compatible IPv6 address (deprecated, RFC 4291 2.5.5.1) is not a host to scan: it is the IPv6 address %s, "+
			"not the IPv4 address %s, and a scan of it leaves by the default route; write %s (or ::ffff:%s)", u, v4, v4, v4)
	}
	switch {
	case u.IsUnspecified():
		return fmt.Sprintf("an unspecified address (%s) is not a host to scan (the tool would act on the injector's own host)", u)
	case u == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the limited broadcast address (255.255.255.255) is not a host to scan"
	case u.IsMulticast():
		if u.Is4() {
			return "a multicast address (224.0.0.0/4) is not a host to scan"
		}
		return "a multicast address (ff00::/8) is not a host to scan"
	}
	return ""
}

// ipv4Compatible returns the IPv4 address a IPv6 address of ::/96 embeds,
// when that is past 0.0.0.0/8 (::1, ::2 and their neighbours stay what
// they are written as).
func ipv4Compatible(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	for _, x := range b[:12] {
		if x != 0 {
			return netip.Addr{}, false
		}
	}
	return netip.AddrFrom4([4]byte(b[12:])), b[12] != 0
}

// NotARange is why a target's value holding "/" that is no CIDR range is
// refused, by the command line that expands ranges and by the runtime
// alike.
const NotARange = "not an address nor a CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120)"

// validateToken rejects values that hold white space or control characters,
// or that start with '-', so that no cloud identifier can be read as an option.
func validateToken(field, v string) error {
	if strings.HasPrefix(v, "-") {
		return &ValidationError{Field: field, Value: v, Reason: "must not start with '-'"}
	}
	for _, r := range v {
		if r <= ' ' || r == 0x7f {
			return &ValidationError{Field: field, Value: v, Reason: "must not hold white space or control characters"}
		}
	}
	return nil
}
