package signatures_test

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// label63 is a host name label of the maximum length.
var label63 = strings.Repeat("a", 63)

// host253 is a host name of exactly 253 characters (4 labels of 63 + 3 dots = 255, so trim).
var host253 = label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 61)

// validateCase is one Validate call and what it must return: nil when
// wantField is "", else a validation error on wantField and wantValue
// whose message holds wantReason.
type validateCase struct {
	name                             string
	cfg                              signatures.Config
	wantField, wantValue, wantReason string
}

func checkValidate(t *testing.T, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantValidation(t, err, tt.wantField, tt.wantValue)
			if !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("message %q lacks %q", err, tt.wantReason)
			}
		})
	}
}

func TestNetworkConfigValidate(t *testing.T) {
	tests := []validateCase{
		{name: "ipv4", cfg: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}},
		{name: "ipv6", cfg: signatures.NetworkConfig{TargetIPv6: "2001:db8::1"}},
		{name: "ipv6 with zone", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%eth0"}},
		{name: "ipv6 with numeric zone", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%2"}},
		{name: "ipv4-mapped ipv6", cfg: signatures.NetworkConfig{TargetIPv6: "::ffff:10.0.0.1"}},
		{name: "hostname", cfg: signatures.NetworkConfig{TargetHostname: "web.example.com"}},
		{name: "single label", cfg: signatures.NetworkConfig{TargetHostname: "localhost"}},
		{name: "inner hyphen and digits", cfg: signatures.NetworkConfig{TargetHostname: "a-1.b2-c.example"}},
		{name: "digits in last label", cfg: signatures.NetworkConfig{TargetHostname: "host.3com"}},
		{name: "upper case", cfg: signatures.NetworkConfig{TargetHostname: "WEB.Example.COM"}},
		{name: "label of 63", cfg: signatures.NetworkConfig{TargetHostname: label63 + ".example"}},
		{name: "name of 253", cfg: signatures.NetworkConfig{TargetHostname: host253}},
		{name: "fully-qualified, trailing dot", cfg: signatures.NetworkConfig{TargetHostname: "web.example.com."}},
		{name: "name of 253 and its trailing dot", cfg: signatures.NetworkConfig{TargetHostname: host253 + "."}},

		{name: "none set", cfg: signatures.NetworkConfig{}, wantField: "target", wantValue: "", wantReason: "exactly one"},
		{name: "two set", cfg: signatures.NetworkConfig{TargetIPv4: "10.0.0.1", TargetHostname: "web"},
			wantField: "target", wantValue: "target_ipv4=10.0.0.1 target_hostname=web", wantReason: "exactly one"},
		{name: "three set", cfg: signatures.NetworkConfig{TargetIPv4: "10.0.0.1", TargetIPv6: "::2", TargetHostname: "web"},
			wantField: "target", wantValue: "target_ipv4=10.0.0.1 target_ipv6=::2 target_hostname=web", wantReason: "exactly one"},
		{name: "ipv6 in ipv4 field", cfg: signatures.NetworkConfig{TargetIPv4: "2001:db8::1"}, wantField: "target_ipv4", wantValue: "2001:db8::1"},
		{name: "ipv4 out of range", cfg: signatures.NetworkConfig{TargetIPv4: "10.0.0.256"}, wantField: "target_ipv4", wantValue: "10.0.0.256"},
		{name: "ipv4 cidr", cfg: signatures.NetworkConfig{TargetIPv4: "10.0.0.0/24"}, wantField: "target_ipv4", wantValue: "10.0.0.0/24"},
		{name: "ipv4 leading zero", cfg: signatures.NetworkConfig{TargetIPv4: "010.0.0.1"}, wantField: "target_ipv4", wantValue: "010.0.0.1"},
		{name: "ipv4 with zone", cfg: signatures.NetworkConfig{TargetIPv4: "10.0.0.1%eth0"}, wantField: "target_ipv4", wantValue: "10.0.0.1%eth0"},
		{name: "ipv4 in ipv6 field", cfg: signatures.NetworkConfig{TargetIPv6: "10.0.0.1"}, wantField: "target_ipv6", wantValue: "10.0.0.1"},
		{name: "ipv6 bad digit", cfg: signatures.NetworkConfig{TargetIPv6: "2001:db8::g"}, wantField: "target_ipv6", wantValue: "2001:db8::g"},
		{name: "ipv6 empty zone", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%"}, wantField: "target_ipv6", wantValue: "fe80::1%"},
		{name: "ipv6 zone with space", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%a b"}, wantField: "target_ipv6", wantValue: "fe80::1%a b"},
		{name: "ipv6 zone with newline", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%a\n-oN"}, wantField: "target_ipv6", wantValue: "fe80::1%a\n-oN"},
		{name: "ipv6 zone with slash", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%a/b"}, wantField: "target_ipv6", wantValue: "fe80::1%a/b"},
		{name: "ipv6 cidr", cfg: signatures.NetworkConfig{TargetIPv6: "2001:db8::/32"}, wantField: "target_ipv6", wantValue: "2001:db8::/32"},
		{name: "option-like", cfg: signatures.NetworkConfig{TargetHostname: "-oN/tmp/x"}, wantField: "target_hostname", wantValue: "-oN/tmp/x"},
		{name: "label starts with hyphen", cfg: signatures.NetworkConfig{TargetHostname: "web.-example.com"}, wantField: "target_hostname", wantValue: "web.-example.com", wantReason: "'-'"},
		{name: "label ends with hyphen", cfg: signatures.NetworkConfig{TargetHostname: "web-.example.com"}, wantField: "target_hostname", wantValue: "web-.example.com", wantReason: "'-'"},
		{name: "space", cfg: signatures.NetworkConfig{TargetHostname: "a b"}, wantField: "target_hostname", wantValue: "a b"},
		{name: "underscore", cfg: signatures.NetworkConfig{TargetHostname: "a_b.example"}, wantField: "target_hostname", wantValue: "a_b.example"},
		{name: "non-ascii", cfg: signatures.NetworkConfig{TargetHostname: "bücher.example"}, wantField: "target_hostname", wantValue: "bücher.example"},
		{name: "semicolon", cfg: signatures.NetworkConfig{TargetHostname: "web;id"}, wantField: "target_hostname", wantValue: "web;id"},
		{name: "empty label", cfg: signatures.NetworkConfig{TargetHostname: "a..b"}, wantField: "target_hostname", wantValue: "a..b"},
		{name: "dot alone", cfg: signatures.NetworkConfig{TargetHostname: "."}, wantField: "target_hostname", wantValue: ".", wantReason: "empty host name"},
		{name: "two trailing dots", cfg: signatures.NetworkConfig{TargetHostname: "web.example.com.."}, wantField: "target_hostname", wantValue: "web.example.com..", wantReason: "empty label"},
		{name: "bracketed ipv6", cfg: signatures.NetworkConfig{TargetHostname: "[::1]"}, wantField: "target_hostname", wantValue: "[::1]", wantReason: "brackets are not part of an address"},
		{name: "bracketed ipv4", cfg: signatures.NetworkConfig{TargetHostname: "[10.0.0.1]"}, wantField: "target_hostname", wantValue: "[10.0.0.1]", wantReason: "give 10.0.0.1"},
		{name: "label of 64", cfg: signatures.NetworkConfig{TargetHostname: label63 + "a.example"}, wantField: "target_hostname", wantValue: label63 + "a.example", wantReason: "63"},
		{name: "name of 254", cfg: signatures.NetworkConfig{TargetHostname: host253 + "b"}, wantField: "target_hostname", wantValue: host253 + "b", wantReason: "253"},
		{name: "dotted digits", cfg: signatures.NetworkConfig{TargetHostname: "10.0.0.1"}, wantField: "target_hostname", wantValue: "10.0.0.1"},
		{name: "address range", cfg: signatures.NetworkConfig{TargetHostname: "10.0.0.1-20"}, wantField: "target_hostname", wantValue: "10.0.0.1-20", wantReason: "range"},
		{name: "octet range", cfg: signatures.NetworkConfig{TargetHostname: "10.0.0-3.1"}, wantField: "target_hostname", wantValue: "10.0.0-3.1"},
		{name: "ipv4 typo", cfg: signatures.NetworkConfig{TargetHostname: "10.0.0.300"}, wantField: "target_hostname", wantValue: "10.0.0.300"},
	}
	checkValidate(t, tests)
}

func TestNetworkConfigValue(t *testing.T) {
	tests := []struct {
		cfg  signatures.NetworkConfig
		want string
	}{
		{signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, "10.0.0.1"},
		{signatures.NetworkConfig{TargetIPv6: "2001:db8::1"}, "2001:db8::1"},
		{signatures.NetworkConfig{TargetHostname: "web.example.com"}, "web.example.com"},
		{signatures.NetworkConfig{}, ""},
	}
	for _, tt := range tests {
		if got := tt.cfg.Value(); got != tt.want {
			t.Errorf("%+v.Value() = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}

func TestCloudConfigValidate(t *testing.T) {
	ok := signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3"}
	with := func(f func(*signatures.CloudConfig)) signatures.CloudConfig {
		c := ok
		f(&c)
		return c
	}
	tests := []validateCase{
		{name: "full", cfg: ok},
		{name: "without service", cfg: with(func(c *signatures.CloudConfig) { c.TargetService = "" })},
		{name: "no provider", cfg: with(func(c *signatures.CloudConfig) { c.CloudProvider = "" }), wantField: "cloud_provider"},
		{name: "no account", cfg: with(func(c *signatures.CloudConfig) { c.CloudAccountID = "" }), wantField: "cloud_account_id"},
		{name: "no region", cfg: with(func(c *signatures.CloudConfig) { c.CloudRegion = "" }), wantField: "cloud_region"},
		{name: "blank account", cfg: with(func(c *signatures.CloudConfig) { c.CloudAccountID = "  " }), wantField: "cloud_account_id"},
		{name: "empty config", cfg: signatures.CloudConfig{}, wantField: "cloud_provider"},
		{name: "account with space", cfg: with(func(c *signatures.CloudConfig) { c.CloudAccountID = "1234 5678" }), wantField: "cloud_account_id", wantValue: "1234 5678"},
		{name: "region like an option", cfg: with(func(c *signatures.CloudConfig) { c.CloudRegion = "--profile=x" }), wantField: "cloud_region", wantValue: "--profile=x"},
		{name: "provider with control char", cfg: with(func(c *signatures.CloudConfig) { c.CloudProvider = "aws\x00" }), wantField: "cloud_provider", wantValue: "aws\x00"},
		{name: "service with newline", cfg: with(func(c *signatures.CloudConfig) { c.TargetService = "s3\nec2" }), wantField: "target_service", wantValue: "s3\nec2"},
	}
	checkValidate(t, tests)
}

func TestExternalConfigValidate(t *testing.T) {
	tests := []validateCase{
		{name: "query only", cfg: signatures.ExternalConfig{Query: `port:22 org:"Example"`}},
		{name: "with ipv4", cfg: signatures.ExternalConfig{Query: "port:22", TargetIPv4: "192.0.2.1"}},
		{name: "with hostname", cfg: signatures.ExternalConfig{Query: "port:22", TargetHostname: "web.example.com"}},
		{name: "with both", cfg: signatures.ExternalConfig{Query: "port:22", TargetIPv4: "192.0.2.1", TargetHostname: "web.example.com"}},
		{name: "no query", cfg: signatures.ExternalConfig{TargetIPv4: "192.0.2.1"}, wantField: "query"},
		{name: "blank query", cfg: signatures.ExternalConfig{Query: " \t"}, wantField: "query", wantValue: " \t"},
		// A query is one line of printable text: control and format
		// characters, line and paragraph separators are refused, a tab
		// and line breaks too; spaces and every script's letters pass.
		{name: "query over lines", cfg: signatures.ExternalConfig{Query: "port:22\r\n\torg:\"Example\""}, wantField: "query",
			wantValue: "port:22\r\n\torg:\"Example\"", wantReason: "non-printable character U+000D at byte 7"},
		{name: "query with a newline", cfg: signatures.ExternalConfig{Query: "apache\nport:22"}, wantField: "query", wantValue: "apache\nport:22",
			wantReason: `invalid query "apache\nport:22": holds the non-printable character U+000A at byte 6`},
		{name: "query with a tab", cfg: signatures.ExternalConfig{Query: "apache\tport:22"}, wantField: "query", wantValue: "apache\tport:22",
			wantReason: "U+0009 at byte 6"},
		{name: "query with a right-to-left override", cfg: signatures.ExternalConfig{Query: "apache\u202eevil", TargetIPv4: "192.0.2.1"},
			wantField: "query", wantValue: "apache\u202eevil", wantReason: `invalid query "apache\u202eevil": holds the non-printable character U+202E at byte 6`},
		{name: "query with a left-to-right embedding", cfg: signatures.ExternalConfig{Query: "a\u202ab"}, wantField: "query", wantValue: "a\u202ab", wantReason: "U+202A"},
		{name: "query with a pop directional formatting", cfg: signatures.ExternalConfig{Query: "a\u202cb"}, wantField: "query", wantValue: "a\u202cb", wantReason: "U+202C"},
		{name: "query with a first strong isolate", cfg: signatures.ExternalConfig{Query: "a\u2068b"}, wantField: "query", wantValue: "a\u2068b", wantReason: "U+2068"},
		{name: "query with a pop directional isolate", cfg: signatures.ExternalConfig{Query: "a\u2069"}, wantField: "query", wantValue: "a\u2069", wantReason: "U+2069"},
		{name: "query with a zero-width space", cfg: signatures.ExternalConfig{Query: "apa\u200bche"}, wantField: "query", wantValue: "apa\u200bche", wantReason: "U+200B at byte 3"},
		{name: "query with a zero-width joiner", cfg: signatures.ExternalConfig{Query: "a\u200db"}, wantField: "query", wantValue: "a\u200db", wantReason: "U+200D"},
		{name: "query with a right-to-left mark", cfg: signatures.ExternalConfig{Query: "a\u200f"}, wantField: "query", wantValue: "a\u200f", wantReason: "U+200F"},
		{name: "query with an Arabic letter mark", cfg: signatures.ExternalConfig{Query: "a\u061cb"}, wantField: "query", wantValue: "a\u061cb", wantReason: "U+061C"},
		{name: "query with a byte order mark", cfg: signatures.ExternalConfig{Query: "\ufeffapache"}, wantField: "query", wantValue: "\ufeffapache", wantReason: "U+FEFF at byte 0"},
		{name: "query with a soft hyphen", cfg: signatures.ExternalConfig{Query: "apa\u00adche"}, wantField: "query", wantValue: "apa\u00adche", wantReason: "U+00AD"},
		{name: "query with a line separator", cfg: signatures.ExternalConfig{Query: "a\u2028b"}, wantField: "query", wantValue: "a\u2028b", wantReason: "U+2028"},
		{name: "query with a paragraph separator", cfg: signatures.ExternalConfig{Query: "a\u2029b"}, wantField: "query", wantValue: "a\u2029b", wantReason: "U+2029"},
		{name: "query blank but a zero-width space", cfg: signatures.ExternalConfig{Query: " \u200b "}, wantField: "query", wantValue: " \u200b ", wantReason: "U+200B"},
		{name: "query with a no-break space", cfg: signatures.ExternalConfig{Query: "org:\"Zürich\u00a0AG\""}},
		{name: "query with an ideographic space", cfg: signatures.ExternalConfig{Query: "nginx\u3000port:443"}},
		{name: "query in a right-to-left script", cfg: signatures.ExternalConfig{Query: "org:\"שלום\" port:22", TargetIPv4: "192.0.2.1"}},
		{name: "query with a control character", cfg: signatures.ExternalConfig{Query: "port:22\x01"}, wantField: "query", wantValue: "port:22\x01"},
		{name: "query with DEL", cfg: signatures.ExternalConfig{Query: "a\x7fb"}, wantField: "query", wantValue: "a\x7fb"},
		{name: "query with NUL", cfg: signatures.ExternalConfig{Query: "a\x00"}, wantField: "query", wantValue: "a\x00", wantReason: "U+0000 at byte 1"},
		// C1 control characters too: U+009B is a terminal's CSI, U+0085 no line break a text area sends.
		{name: "query with a C1 CSI", cfg: signatures.ExternalConfig{Query: "apache\u009b31m"}, wantField: "query", wantValue: "apache\u009b31m",
			wantReason: `invalid query "apache\u009b31m": holds the non-printable character U+009B at byte 6`},
		{name: "query with a C1 NEL", cfg: signatures.ExternalConfig{Query: "port:22\u0085org:x"}, wantField: "query", wantValue: "port:22\u0085org:x"},
		{name: "query not UTF-8", cfg: signatures.ExternalConfig{Query: "apache \xff"}, wantField: "query", wantValue: "apache \xff", wantReason: "not valid UTF-8"},
		{name: "query in UTF-8", cfg: signatures.ExternalConfig{Query: "org:\"Zürich\""}},
		{name: "bad ipv4", cfg: signatures.ExternalConfig{Query: "q", TargetIPv4: "999.0.0.1"}, wantField: "target_ipv4", wantValue: "999.0.0.1"},
		{name: "ipv6 as ipv4", cfg: signatures.ExternalConfig{Query: "q", TargetIPv4: "::1"}, wantField: "target_ipv4", wantValue: "::1",
			wantReason: "a query is narrowed to an IPv4 address or a host name, not an IPv6 address"},
		{name: "ipv6 range as ipv4", cfg: signatures.ExternalConfig{Query: "q", TargetIPv4: "2001:db8::/126"}, wantField: "target_ipv4", wantValue: "2001:db8::/126"},
		// An IPv4-mapped address is the IPv4 address it maps, refused as
		// that one is, named as written.
		{name: "ipv4-mapped", cfg: signatures.ExternalConfig{Query: "q", TargetIPv4: "::ffff:192.0.2.9"}},
		{name: "ipv4-mapped unspecified", cfg: signatures.ExternalConfig{Query: "q", TargetIPv4: "::ffff:0.0.0.0"}, wantField: "target_ipv4", wantValue: "::ffff:0.0.0.0"},
		{name: "bad hostname", cfg: signatures.ExternalConfig{Query: "q", TargetHostname: "-oN/tmp/x"}, wantField: "target_hostname", wantValue: "-oN/tmp/x"},
		// The narrowing is appended after the query: an unclosed quote
		// would take it into the phrase, and the search would no longer
		// be narrowed to the target.
		{name: "unbalanced quote narrowed to ipv4", cfg: signatures.ExternalConfig{Query: `product:"Apache httpd`, TargetIPv4: "192.0.2.10"},
			wantField: "query", wantValue: `product:"Apache httpd`, wantReason: signatures.ReasonUnbalancedQuote},
		{name: "unbalanced quote narrowed to hostname", cfg: signatures.ExternalConfig{Query: `apache "`, TargetHostname: "web.example.com"},
			wantField: "query", wantValue: `apache "`, wantReason: signatures.ReasonUnbalancedQuote},
		{name: "balanced quotes narrowed", cfg: signatures.ExternalConfig{Query: `product:"Apache httpd" org:"Ex"`, TargetIPv4: "192.0.2.10"}},
		// Not narrowed, the query is sent as written: the engine reads it.
		{name: "unbalanced quote not narrowed", cfg: signatures.ExternalConfig{Query: `product:"Apache httpd`}},
	}
	checkValidate(t, tests)
}

func TestConfigCategory(t *testing.T) {
	tests := []struct {
		cfg  signatures.Config
		want signatures.Category
	}{
		{signatures.NetworkConfig{}, signatures.Network},
		{signatures.CloudConfig{}, signatures.Cloud},
		{signatures.ExternalConfig{}, signatures.External},
	}
	for _, tt := range tests {
		if got := tt.cfg.Category(); got != tt.want {
			t.Errorf("%T.Category() = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}

// TestConfigSealed checks that Config carries an unexported method, so that
// no type outside the package can implement it.
func TestConfigSealed(t *testing.T) {
	it := reflect.TypeFor[signatures.Config]()
	sealed := false
	for i := range it.NumMethod() {
		if !it.Method(i).IsExported() {
			sealed = true
		}
	}
	if !sealed {
		t.Fatal("Config has no unexported method: types outside the package could implement it")
	}
}

func TestValidateHostnameNamesField(t *testing.T) {
	err := signatures.ValidateHostname("targets[3].target_hostname", "a b")
	wantValidation(t, err, "targets[3].target_hostname", "a b")
	if err := signatures.ValidateHostname("x", "web.example.com"); err != nil {
		t.Errorf("ValidateHostname(web.example.com) = %v", err)
	}
}

// An address or a name with a port is refused with a reason that says so.
func TestValidateHostnameWithPort(t *testing.T) {
	tests := []struct {
		in   string
		port bool
	}{
		{"10.0.0.1:80", true},
		{"[2001:db8::1]:443", true},
		{"web.example.com:8080", true},
		{"web.example.com:", false},
		{":80", false},
		{"a:b", false},
		{"a:80:90", false},
	}
	for _, tt := range tests {
		err := signatures.ValidateHostname("target", tt.in)
		if err == nil {
			t.Errorf("%q accepted", tt.in)
			continue
		}
		if got := strings.Contains(err.Error(), "a target holds no port"); got != tt.port {
			t.Errorf("%q: %v; want the port reason: %v", tt.in, err, tt.port)
		}
	}
}

// A bracket left without its pair is named, at its byte: "::1]" is not
// said for its ':' (a character a host name may not hold) but for the
// stray ']'; a pair of brackets keeps its own reasons.
func TestValidateHostnameUnbalancedBracket(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"::1]", "unbalanced bracket: the character U+005D ']' at byte 3 closes no '['"},
		{"::1]:80", "unbalanced bracket: the character U+005D ']' at byte 3 closes no '['"},
		{"[::1]]", "unbalanced bracket: the character U+005D ']' at byte 5 closes no '['"},
		{"web.example.com]", "unbalanced bracket: the character U+005D ']' at byte 15 closes no '['"},
		{"[::1", "unbalanced bracket: the character U+005B '[' at byte 0 is never closed"},
		{"[[::1]", "unbalanced bracket: the character U+005B '[' at byte 0 is never closed"},
		{"[::1]", "brackets are not part of an address (they set one apart in a URL): give ::1"},
		{"[::1]:80", "a target holds no port"},
	} {
		err := signatures.ValidateHostname("target", tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v; want %q", tt.in, err, tt.want)
		}
	}
}

// An address that names no one host (unspecified, limited broadcast,
// multicast) is refused as a network target, in every form and field it
// may take, naming the field and the value; loopback, link-local and
// their neighbours in the address space are hosts.
func TestNetworkConfigRefusesNoHost(t *testing.T) {
	refused := []struct{ value, kind string }{
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"::ffff:0.0.0.0", "unspecified"},
		{"255.255.255.255", "broadcast"},
		{"::ffff:255.255.255.255", "broadcast"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"::ffff:224.0.0.251", "multicast"},
		{"ff02::1", "multicast"},
		{"ff02::fb%eth0", "multicast"},
		{"ff0e::1", "multicast"},
		{"::127.0.0.1", "IPv4-compatible IPv6 address (deprecated, RFC 4291 2.5.5.1) is not a host to scan: it is the IPv6 address ::7f00:1, not the IPv4 address 127.0.0.1"},
		{"::10.0.0.1", "write 10.0.0.1 (or ::ffff:10.0.0.1)"},
		{"::7f00:1", "IPv4-compatible"},
		{"::1.0.0.0%eth0", "IPv4-compatible"},
	}
	var tests []validateCase
	for _, r := range refused {
		a := netip.MustParseAddr(r.value)
		field, cfg := "target_ipv6", signatures.Config(signatures.NetworkConfig{TargetIPv6: r.value})
		if a.Is4() {
			field, cfg = "target_ipv4", signatures.NetworkConfig{TargetIPv4: r.value}
			tests = append(tests, validateCase{name: r.value + " narrowing a query",
				cfg:       signatures.ExternalConfig{Query: "port:22", TargetIPv4: r.value},
				wantField: field, wantValue: r.value, wantReason: r.kind})
		}
		tests = append(tests, validateCase{name: r.value, cfg: cfg, wantField: field, wantValue: r.value,
			wantReason: r.kind})
		tests = append(tests, validateCase{name: r.value + " classified", cfg: signatures.ClassifyNetworkTarget(r.value),
			wantField: field, wantValue: r.value, wantReason: "is not a host to scan"})
	}
	for _, v := range []string{"127.0.0.1", "::1", "169.254.1.1", "fe80::1%eth0", "0.0.0.1", "::2", "::0.255.255.255", "::1:0:0:1", "::ffff:0:7f00:1",
		"223.255.255.255", "240.0.0.1", "255.255.255.254", "fe80::ff02:1", "::ffff:127.0.0.1"} {
		tests = append(tests, validateCase{name: v + " accepted", cfg: signatures.ClassifyNetworkTarget(v)})
	}
	checkValidate(t, tests)

	for _, r := range refused {
		reason := signatures.NotAHost(netip.MustParseAddr(r.value))
		if !strings.Contains(reason, r.kind) {
			t.Errorf("NotAHost(%s) = %q, want a reason naming %s", r.value, reason, r.kind)
		}
		// Every injector gets these reasons, a third party's too: none
		// names a tool.
		if strings.Contains(strings.ToLower(reason), "nmap") {
			t.Errorf("NotAHost(%s) = %q, naming nmap", r.value, reason)
		}
		if r.kind == "unspecified" && !strings.Contains(reason, "the tool would act on the injector's own host") {
			t.Errorf("NotAHost(%s) = %q, want it to say the tool would act on the injector's own host", r.value, reason)
		}
	}
}

// An IPv6 zone is an interface name (at most 15 bytes on Linux) or index:
// a longer one is refused, its message quoting the value cut short.
func TestNetworkConfigZoneLength(t *testing.T) {
	at := func(n int) string { return "fe80::1%" + strings.Repeat("e", n) }
	tests := []validateCase{
		{name: "interface name of 15", cfg: signatures.NetworkConfig{TargetIPv6: at(signatures.MaxZone)}},
		{name: "index", cfg: signatures.ClassifyNetworkTarget("fe80::1%4294967295")},
	}
	for _, n := range []int{signatures.MaxZone + 1, 3000} {
		tests = append(tests,
			validateCase{name: fmt.Sprint("zone of ", n), cfg: signatures.NetworkConfig{TargetIPv6: at(n)},
				wantField: "target_ipv6", wantValue: at(n), wantReason: "zone longer than"},
			validateCase{name: fmt.Sprint("classified zone of ", n), cfg: signatures.ClassifyNetworkTarget(at(n)),
				wantField: "target_ipv6", wantValue: at(n), wantReason: "zone longer than"})
	}
	// A '%' with no zone after it is refused as that, from either field.
	tests = append(tests,
		validateCase{name: "empty zone", cfg: signatures.NetworkConfig{TargetIPv6: "fe80::1%"},
			wantField: "target_ipv6", wantValue: "fe80::1%", wantReason: signatures.ReasonEmptyZone},
		validateCase{name: "classified empty zone", cfg: signatures.ClassifyNetworkTarget("fe80::1%"),
			wantField: "target_hostname", wantValue: "fe80::1%", wantReason: signatures.ReasonEmptyZone})
	checkValidate(t, tests)

	err := signatures.NetworkConfig{TargetIPv6: at(3000)}.Validate()
	if err == nil || len(err.Error()) > signatures.MaxQuoted+200 {
		t.Errorf("a 3000-character zone: %d-byte message, want the value cut short: %v", len(fmt.Sprint(err)), err)
	}
}
