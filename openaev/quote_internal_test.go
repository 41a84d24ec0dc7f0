package openaev

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEscapedMatchesMarshal checks appendEscaped and escapedLen against
// json.Marshal of the same string: a body assembled from escaped pieces
// is the body json.Marshal gives.
func TestEscapedMatchesMarshal(t *testing.T) {
	tests := []string{"", "plain", `{"a":"b\\c"}`, "<nmaprun>&amp;</nmaprun>", "tab\tnl\nnul\x00bell\x07",
		"é ü 中文 🚀", "bad \xff utf8 \xc3", "sep\u2028par\u2029", "\x7f del", `\"\\`}
	for _, s := range tests {
		want, _ := json.Marshal(s)
		got := append(append([]byte{'"'}, appendEscaped(nil, []byte(s))...), '"')
		if string(got) != string(want) {
			t.Errorf("appendEscaped(%q) = %s, want %s", s, got, want)
		}
		if n := escapedLen([]byte(s)); n != len(want)-2 {
			t.Errorf("escapedLen(%q) = %d, want %d", s, n, len(want)-2)
		}
	}
}

func FuzzEscaped(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028", "\xff\xfe", "中"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		got := appendEscaped(nil, []byte(s))
		if string(got) != string(want[1:len(want)-1]) || escapedLen([]byte(s)) != len(got) {
			t.Fatalf("%q: got %s (%d), want %s", s, got, escapedLen([]byte(s)), want)
		}
	})
}

func TestTruncateEscaped(t *testing.T) {
	tests := []struct {
		s   string
		max int
	}{
		{"short", 10}, {strings.Repeat("a", 100), 20}, {strings.Repeat("<", 50), 30}, {strings.Repeat("中", 40), 25},
		{"bad \xff\xff\xff\xff\xff", 12},
	}
	for _, tt := range tests {
		got := truncateEscaped(tt.s, tt.max)
		if n := escapedLenString(got); n > tt.max {
			t.Errorf("truncateEscaped(%q, %d) = %q: %d escaped bytes", tt.s, tt.max, got, n)
		}
		if got != tt.s && !strings.HasSuffix(got, "…") {
			t.Errorf("truncateEscaped(%q, %d) = %q: cut without a mark", tt.s, tt.max, got)
		}
		if utf8.ValidString(tt.s) && !utf8.ValidString(got) {
			t.Errorf("truncateEscaped(%q) cut a rune: %q", tt.s, got)
		}
	}
}

// FuzzRepeatedKey compares repeatedKey, which scans a message in place,
// with a reference reading every object through encoding/json's tokens:
// both find a repeated key (equal but for case) in the same documents.
func FuzzRepeatedKey(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":2}`, `{"a":{"b":[{"c":1},{"c":2,"C ":3}]}}`, `{"x":"\u0061","\u0061":1,"a":2}`,
		`[{"k":1},{"k":1}]`, `{"injection":{"inject_id":"a","inject_content":{"o":"\"}","O":1}}}`, `{"ß":1,"SS":2}`, `{"k":"\\"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if !json.Valid([]byte(doc)) {
			t.Skip()
		}
		where, _, _ := repeatedKey([]byte(doc))
		if want := referenceRepeated(t, doc); (where != "") != want {
			t.Errorf("repeatedKey(%q) = %q, want a repeat %v", doc, where, want)
		}
	})
}

// referenceRepeated reports whether an object of doc holds two keys equal
// under strings.EqualFold, reading doc with encoding/json's tokens.
func referenceRepeated(t *testing.T, doc string) bool {
	dec := json.NewDecoder(strings.NewReader(doc))
	var value func() bool
	value = func() bool {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("valid JSON %q: %v", doc, err)
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				k, _ := dec.Token()
				key, _ := k.(string)
				for _, seen := range keys {
					if strings.EqualFold(seen, key) {
						return true
					}
				}
				keys = append(keys, key)
				if value() {
					return true
				}
			}
			_, _ = dec.Token() // '}'
		case json.Delim('['):
			for dec.More() {
				if value() {
					return true
				}
			}
			_, _ = dec.Token() // ']'
		}
		return false
	}
	return value()
}
