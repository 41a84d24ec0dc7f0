package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// jsonNames are the JSON field names of typ as encoding/json writes them,
// those of its embedded structs without a name of their own included, and
// where they come from.
func jsonNames(typ reflect.Type) map[string]string {
	names := map[string]string{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for n, from := range jsonNames(f.Type) {
				names[n] = from
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = typ.Name() + "." + f.Name
	}
	return names
}

// readmePassage is the README's text, white space made single spaces,
// from the first from to the next to after it.
func readmePassage(t *testing.T, from, to string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, passage, ok := strings.Cut(strings.Join(strings.Fields(string(readme)), " "), from)
	if !ok {
		t.Fatalf("README.md has no %q", from)
	}
	passage, _, ok = strings.Cut(passage, to)
	if !ok {
		t.Fatalf("README.md has no %q after %q", to, from)
	}
	return passage
}

// Every field `outbox list -o json` and `outbox move -o json` can print,
// those left out when they do not apply included (a record's dead_reason,
// a send's owner_start, move's backends), is named in the README's passage
// on that output: a field added or renamed without it fails here.
func TestOutboxJSONFieldsAsTheREADMESays(t *testing.T) {
	for _, tt := range []struct {
		command, from, to string
		types             []any
	}{
		{"outbox list -o json", "`outbox list -o json` prints", "(End of the fields of `outbox list -o json`.)",
			[]any{outboxListJSON{}, outboxRecordJSON{}, outboxIncompleteJSON{}, outboxStartsJSON{}, outboxStartedJSON{}}},
		{"outbox move -o json", "`outbox move -o json` prints", "No body stored for `OLD`",
			[]any{outboxMoveJSON{}}},
	} {
		t.Run(tt.command, func(t *testing.T) {
			passage := readmePassage(t, tt.from, tt.to)
			for _, v := range tt.types {
				for name, from := range jsonNames(reflect.TypeOf(v)) {
					if !strings.Contains(passage, "`"+name+"`") && !strings.Contains(passage, `"`+name+`"`) {
						t.Errorf("README.md does not name the field %q (%s) in its passage on %s", name, from, tt.command)
					}
				}
			}
		})
	}
}
