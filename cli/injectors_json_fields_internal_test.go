package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Every field `injectors -o json` prints is named in the README's
// sentence on that output ("In JSON, `injectors` prints …"), which scripts
// reading it go by: a field added, renamed or left out of the README
// fails here.
func TestInjectorsJSONFieldsAsTheREADMESays(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sentence, ok := strings.Cut(strings.Join(strings.Fields(string(readme)), " "), "In JSON, `injectors` prints")
	if !ok {
		t.Fatal("README.md has no sentence starting \"In JSON, `injectors` prints\"")
	}
	sentence, _, _ = strings.Cut(sentence, "never `null`")
	for _, v := range []any{injectorJSON{}, paramJSON{}, settingJSON{}, findingOutputJSON{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(sentence, "`"+name+"`") {
				t.Errorf("README.md does not name the field `%s` (%s.%s) in the sentence on injectors -o json", name, typ.Name(), typ.Field(i).Name)
			}
		}
	}
}
