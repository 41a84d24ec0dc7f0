package findingrow

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValue: a finding's value is rendered as the platform's output
// processors store it, from JSON decoded with numbers as json.Number (the
// openaev profile) or as float64 (the openaevtest stand-in).
func TestValue(t *testing.T) {
	for _, tt := range []struct{ name, typ, doc, want string }{
		{"text", "text", `"noop: 1 target(s)"`, "noop: 1 target(s)"},
		{"quotes trimmed", "text", `"\"quoted\""`, "quoted"},
		{"one quote each side only", "text", `"\"\"a\"\""`, `"a"`},
		{"a quoted port", "port", `"\"22\""`, "22"},
		{"a port", "port", `22`, "22"},
		{"a list joined with spaces", "text", `["a","\"b\"",3,true,null]`, "a b 3 true null"},
		{"null", "text", `null`, "null"},
		{"a list in a list", "text", `[["x"],"y"]`, " y"},
		{"portscan row", "portscan", `{"host":"10.0.0.1","port":22,"service":"ssh"}`, "10.0.0.1:22 (ssh)"},
		{"portscan row, blank service", "portscan", `{"host":"10.0.0.1","port":80,"service":" "}`, "10.0.0.1:80"},
		{"portscan row, no service", "portscan", `{"host":"10.0.0.1","port":80}`, "10.0.0.1:80"},
		{"portscan row, null host", "portscan", `{"host":null,"port":"\"443\""}`, ":443"},
		{"cve by id", "cve", `{"id":"CVE-2","host":"h","severity":"low"}`, "CVE-2"},
		{"an object of another type", "text", `{"id":"CVE-2"}`, ""},
		// Blank renderings, which Finding.value's @NotBlank refuses.
		{"empty", "text", `""`, ""},
		{"two quotes", "text", `"\"\""`, ""},
		{"a list of empties", "text", `["",""]`, " "},
		{"an object as a number", "number", `{"n":1}`, ""},
		{"a list as a port", "port", `[[]]`, ""},
		// Java's $ matches before a line terminator ending the text.
		{"a quote before a final newline", "text", `"a\"\n"`, "a\n"},
		{"a quote before a final U+2028", "text", `"a\"\u2028"`, "a\u2028"},
		{"a quote before two newlines kept", "text", `"a\"\n\n"`, "a\"\n\n"},
		// The keyed types (2.4.0's processors, toFindingValue).
		{"a cve not an object", "cve", `"CVE-1"`, ""},
		{"portscan, a service of U+00A0 has text", "portscan", `{"host":"h","port":1,"service":"\u00a0"}`, "h:1 (\u00a0)"},
		{"portscan, a service of U+2028 has none", "portscan", `{"host":"h","port":1,"service":"\u2028"}`, "h:1"},
		{"credentials, a password", "credentials", `{"username":"u","password":"p","hash":"h"}`, "u:p"},
		{"credentials, a null password: the hash", "credentials", `{"username":"u","password":null,"hash":"h"}`, "u:h"},
		{"username with a domain", "username", `{"username":"u","domain":"CORP"}`, `CORP\u`},
		{"username, an empty domain", "username", `{"username":"u","domain":""}`, "u"},
		{"username blank", "username", `{"username":""}`, ""},
		{"admin_username", "admin_username", `{"username":"adm"}`, "adm"},
		{"asreproastable_account", "asreproastable_account", `{"username":"a"}`, "a"},
		{"kerberoastable_account", "kerberoastable_account", `{"username":"k"}`, "k"},
		{"computer", "computer", `{"computer_name":"PC1"}`, "PC1"},
		{"sid", "sid", `{"sid":"S-1-5"}`, "S-1-5"},
		{"share on a host", "share", `{"share_name":"C$","permissions":"READ","host":"fs"}`, `\\fs\C$ (READ)`},
		{"share, no host", "share", `{"share_name":"C$","permissions":"READ"}`, "C$ (READ)"},
		{"group with members", "group", `{"group_name":"Admins","member_count":3}`, "Admins (3 members)"},
		{"group, blank count", "group", `{"group_name":"Admins","member_count":" "}`, "Admins"},
		{"password_policy", "password_policy", `{"key":"minlen","value":8}`, "minlen: 8"},
		{"delegation", "delegation", `{"account":"svc","delegation_type":"unconstrained","rights_to":"cifs/x"}`, "svc [unconstrained] -> cifs/x"},
		{"delegation, account alone", "delegation", `{"account":"svc","delegation_type":"\t"}`, "svc"},
		{"vulnerability", "vulnerability", `{"name":"v","status":"open"}`, "v [open]"},
		{"account without a password", "account_with_password_not_required", `{"account":"a","status":"enabled"}`, "a (enabled)"},
	} {
		for _, useNumber := range []bool{true, false} {
			d := json.NewDecoder(strings.NewReader(tt.doc))
			if useNumber {
				d.UseNumber()
			}
			var v any
			if err := d.Decode(&v); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := Value(tt.typ, v); got != tt.want {
				t.Errorf("%s (json.Number %v): Value(%q, %s) = %q, want %q", tt.name, useNumber, tt.typ, tt.doc, got, tt.want)
			}
		}
	}
}

// TestValueNumbers: a number renders as the text of the node the
// platform's Jackson reads it into (NumberText), not as Go writes it: a
// number sent as 1e2 is stored "100.0", one sent as 1.0 "1.0", so that
// a value the profile matches against the stored findings renders alike.
// A float64 renders as what Go's encoder sends for it.
func TestValueNumbers(t *testing.T) {
	for _, tt := range []struct {
		name, typ string
		v         any
		want      string
	}{
		{"an exponent", "number", json.Number("1e2"), "100.0"},
		{"a point", "number", json.Number("1.0"), "1.0"},
		{"a small double", "number", json.Number("0.0000001"), "1.0E-7"},
		{"past a long", "number", json.Number("18446744073709551615"), "18446744073709551615"},
		{"minus zero", "port", json.Number("-0"), "0"},
		{"a list", "text", []any{json.Number("1.0"), json.Number("2"), json.Number("1e7")}, "1.0 2 1.0E7"},
		{"a portscan port", "portscan", map[string]any{"host": "h", "port": json.Number("22.0"), "service": "ssh"}, "h:22.0 (ssh)"},
		{"a cve id", "cve", map[string]any{"id": json.Number("1e-3")}, "0.001"},
		{"float64 100, sent as 100", "number", float64(100), "100"},
		{"float64 1e21, sent as 1e+21", "number", float64(1e21), "1.0E21"},
		{"float64 0.0001, sent as 0.0001", "number", float64(0.0001), "1.0E-4"},
	} {
		if got := Value(tt.typ, tt.v); got != tt.want {
			t.Errorf("%s: Value(%q, %v) = %q, want %q", tt.name, tt.typ, tt.v, got, tt.want)
		}
	}
}
