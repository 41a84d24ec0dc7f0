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
