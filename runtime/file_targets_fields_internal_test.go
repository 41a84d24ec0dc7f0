package runtime

import (
	"reflect"
	"strings"
	"testing"
)

// The inject file's target reader knows each field of TargetSpec by its
// JSON key, beside the struct tags the file's check reads: every tagged
// field must be one it fills, the same field, or a file the check
// accepts would be refused when its targets are read.
func TestFileTargetFieldsAreTargetSpecs(t *testing.T) {
	typ := reflect.TypeFor[TargetSpec]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		var s TargetSpec
		p := s.field([]byte(key))
		if p == nil {
			t.Errorf("TargetSpec.%s (json %q): the file's target reader does not read it", f.Name, key)
			continue
		}
		*p = "x"
		if got := reflect.ValueOf(s).Field(i); got.Kind() != reflect.String || got.String() != "x" {
			t.Errorf("json %q: the reader fills another field than TargetSpec.%s", key, f.Name)
		}
	}
}
