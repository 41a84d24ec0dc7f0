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
