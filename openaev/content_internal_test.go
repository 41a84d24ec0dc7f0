package openaev

import (
	"encoding/json"
	"testing"
)

// TestContentStringForms checks what a content field reads as in each
// form a JSON value can take, and that a plain string (no escape, the
// targets and selectors the platform sends) is read with one allocation,
// the string itself, not through a json.Decoder and its buffer.
func TestContentStringForms(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr bool
		allocs  float64 // most allocations a read may take; 0: not checked
	}{
		{name: "plain string", raw: `"127.0.0.1"`, want: "127.0.0.1", allocs: 1},
		{name: "UTF-8", raw: `"héte.example"`, want: "héte.example", allocs: 1},
		{name: "empty string", raw: `""`, want: ""},
		{name: "escaped quote", raw: `"a\"b"`, want: `a"b`},
		{name: "unicode escape", raw: `"\u00e9"`, want: "é"},
		{name: "invalid UTF-8", raw: "\"a\xffb\"", want: "a\ufffdb"},
		{name: "control character", raw: "\"a\tb\"", wantErr: true},
		{name: "spaces around", raw: ` "x" `, want: "x"},
		{name: "bytes after the string", raw: `"a" "b"`, want: "a"},
		{name: "list of one", raw: `["manual"]`, want: "manual"},
		{name: "empty list", raw: `[]`, want: ""},
		{name: "list of two", raw: `["a","b"]`, wantErr: true},
		{name: "number", raw: `12.50`, want: "12.50"},
		{name: "boolean", raw: `true`, want: "true"},
		{name: "null", raw: `null`, want: ""},
		{name: "object", raw: `{"a":1}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Injection{Content: map[string]json.RawMessage{"targets": json.RawMessage(tt.raw)}}
			got, err := in.contentString("targets")
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("contentString(%s) = %q, %v; want %q, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
			if tt.allocs == 0 {
				return
			}
			if n := testing.AllocsPerRun(100, func() { _, _ = in.contentString("targets") }); n > tt.allocs {
				t.Errorf("contentString(%s) allocated %.0f times, want at most %.0f", tt.raw, n, tt.allocs)
			}
		})
	}
}
