package cli

import (
	"reflect"
	"slices"
	"testing"
)

// TestFieldsOfWorkedOutOnce: a config type's settings are worked out once
// and then handed out as they are (the application is built, and a run
// decoded, from the same few types): the same settings a fresh walk finds,
// no allocation after the first, and room for none that an append would
// write into the shared list.
func TestFieldsOfWorkedOutOnce(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](),
		reflect.TypeFor[outboxSendConfig](), reflect.TypeFor[versionConfig]()} {
		t.Run(typ.Name(), func(t *testing.T) {
			first := fieldsOf(typ)
			if want := walkSettings(typ); !reflect.DeepEqual(first, want) {
				t.Fatalf("fieldsOf = %v, a fresh walk %v", first, want)
			}
			if n := testing.AllocsPerRun(20, func() { fieldsOf(typ) }); n != 0 {
				t.Errorf("fieldsOf again: %v allocations, want 0", n)
			}
			if cap(first) != len(first) {
				t.Errorf("fieldsOf: capacity %d for %d settings: an append would write into the shared list", cap(first), len(first))
			}
			_ = append(first, field{key: "extra"})
			if got := fieldsOf(typ); slices.ContainsFunc(got, func(f field) bool { return f.key == "extra" }) || len(got) != len(first) {
				t.Errorf("an append to one caller's list changed the next one's: %d settings", len(got))
			}
		})
	}
}
