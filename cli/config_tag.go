package cli

import (
	"reflect"
	"strconv"

	"github.com/injectkit/injectkit/internal/structtag"
)

// settingTagKeys are the keys of a config struct field's tag that
// walkFields reads (config_fields.go says what each means).
var settingTagKeys = [...]string{"config", "usage", "default", "blank", "enum"}

// settingTag is a config struct field's tag read once: the value and
// presence of each of settingTagKeys, by index, as
// reflect.StructTag.Lookup gives them.
type settingTag struct {
	values [len(settingTagKeys)]string
	found  [len(settingTagKeys)]bool
}

func (t *settingTag) lookup(i int) (string, bool) { return t.values[i], t.found[i] }
func (t *settingTag) get(i int) string            { return t.values[i] }

// Indexes into settingTagKeys.
const (
	tagConfig = iota
	tagUsage
	tagDefault
	tagBlank
	tagEnum
)

// readSettingTag reads tag in one pass, by reflect.StructTag.Lookup's
// grammar (space-separated key:"value" pairs, values Go-quoted): a key
// given twice keeps its first value; a pair that ends the grammar ends the
// reading; a value of one of the keys that does not unquote makes that key
// absent, as Lookup, which stops there, gives it, and the reading goes on
// for the others, as Lookup asked for another key would. Lookup scans the
// tag from its start for each key, and the usage strings make the tags
// long: walkFields asked it five times a field, a few hundred fields a
// start of the binary, whichever command it runs.
func readSettingTag(tag reflect.StructTag) settingTag {
	var t settingTag
	var done [len(settingTagKeys)]bool
	for rest := string(tag); ; {
		name, quoted, r, ok := structtag.Next(rest)
		if !ok {
			break
		}
		rest = r
		for k, key := range settingTagKeys {
			if key != name || done[k] {
				continue
			}
			done[k] = true
			if v, err := strconv.Unquote(quoted); err == nil {
				t.values[k], t.found[k] = v, true
			}
		}
	}
	return t
}
