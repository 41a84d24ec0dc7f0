package cli

import (
	"reflect"
	"testing"
)

// checkSettingTag fails t unless readSettingTag gives, for each key
// walkFields reads, what reflect.StructTag.Lookup gives.
func checkSettingTag(t *testing.T, tag reflect.StructTag) {
	t.Helper()
	got := readSettingTag(tag)
	for i, key := range settingTagKeys {
		wantV, wantOK := tag.Lookup(key)
		if v, ok := got.lookup(i); v != wantV || ok != wantOK {
			t.Errorf("tag %q, key %s: read (%q, %v), Lookup gives (%q, %v)", tag, key, v, ok, wantV, wantOK)
		}
	}
}

var settingTagCases = []reflect.StructTag{
	``,
	`config:"output" enum:"text|json" usage:"output format: text (default) or json"`,
	`config:"outbox,secret" default:"{name}.outbox" usage:"the outbox file" blank:"a path"`,
	`usage:"first" config:"k" usage:"second"`,                 // the first of a key given twice
	`config:"k"   usage:"two spaces before"`,                  // runs of spaces
	`config:"k" usage:"a \"quoted\" word, a \\ and a \u00e9"`, // escapes unquoted
	`config:"k" usage:"bad \q escape" enum:"a|b"`,             // usage does not unquote: absent, enum still read
	`config:"k" usage:"bad \q" usage:"good"`,                  // Lookup stops at the first, absent
	`config:"k" default:"x"enum:"a|b"`,                        // no space between pairs
	`config:"k" default:"unterminated`,                        // the grammar ends: nothing after
	`config:"k" broken usage:"after a broken pair"`,           // a pair without a value ends the reading
	`config:"k" :"no name" usage:"u"`,
	`config:"k" json:"k,omitempty" usage:"u"`, // other keys skipped
	`config:"" usage:"empty key"`,
	"config:\"k\"\tusage:\"a tab is not a separator\"",
	`config:"k" usage:"` + "\x7f" + `"`,
	`config:"k" enu` + "\x7f" + `m:"a"`,
}

func TestReadSettingTagMatchesLookup(t *testing.T) {
	for _, tag := range settingTagCases {
		checkSettingTag(t, tag)
	}
}

// TestReadSettingTagEveryConfigField reads the tag of every field of every
// config struct as Lookup does.
func TestReadSettingTagEveryConfigField(t *testing.T) {
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	n := 0
	walk = func(rt reflect.Type) {
		if rt.Kind() != reflect.Struct || seen[rt] {
			return
		}
		seen[rt] = true
		for i := range rt.NumField() {
			sf := rt.Field(i)
			checkSettingTag(t, sf.Tag)
			n++
			walk(sf.Type)
		}
	}
	for _, rt := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](),
		reflect.TypeFor[outboxListConfig](), reflect.TypeFor[outboxDropConfig](), reflect.TypeFor[outboxSendConfig]()} {
		walk(rt)
	}
	if n < 50 {
		t.Fatalf("read %d fields' tags: the config structs have more", n)
	}
}

func FuzzReadSettingTag(f *testing.F) {
	for _, tag := range settingTagCases {
		f.Add(string(tag))
	}
	f.Fuzz(func(t *testing.T, tag string) {
		checkSettingTag(t, reflect.StructTag(tag))
	})
}
