package structtag_test

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/injectkit/injectkit/internal/structtag"
)

func TestNext(t *testing.T) {
	tests := []struct {
		tag               string
		key, quoted, rest string
		ok                bool
	}{
		{`json:"a" param:"required"`, "json", `"a"`, ` param:"required"`, true},
		{`  doc:"x \"y\""`, "doc", `"x \"y\""`, "", true},
		{``, "", "", "", false},
		{`   `, "", "", "", false},
		{`param: "required"`, "", "", `param: "required"`, false},
		{`param:"required`, "param", "", `"required`, false},
		{`:"x"`, "", "", `:"x"`, false},
	}
	for _, tt := range tests {
		key, quoted, rest, ok := structtag.Next(tt.tag)
		if key != tt.key || quoted != tt.quoted || rest != tt.rest || ok != tt.ok {
			t.Errorf("Next(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.tag, key, quoted, rest, ok, tt.key, tt.quoted, tt.rest, tt.ok)
		}
	}
}

// Reading every pair with Next gives what reflect.StructTag.Lookup gives
// for each key, up to where the grammar breaks.
func FuzzNextAgreesWithLookup(f *testing.F) {
	for _, s := range []string{`json:"a" param:"required,min=1"`, `a:"1" a:"2"`, `a:"\x" b:"2"`, `a:"1"b:"2"`, `a: "1"`, "a:\"1\"\tb:\"2\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		seen := map[string]bool{}
		for rest := tag; ; {
			key, quoted, r, ok := structtag.Next(rest)
			if !ok {
				break
			}
			rest = r
			v, err := strconv.Unquote(quoted)
			if err != nil {
				break // Lookup stops at a value it cannot unquote when it asks for that key
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			if got, found := reflect.StructTag(tag).Lookup(key); !found || got != v {
				t.Fatalf("tag %q: Next read %s=%q, Lookup %q, %v", tag, key, v, got, found)
			}
		}
	})
}
