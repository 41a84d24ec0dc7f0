package cli

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// badValue is a value of f every layer refuses, as a user mistypes it, and
// the words of its refusal; "" for a setting of free text, which any value
// is (an inject id, a tenant).
func badValue(f field) (string, string) {
	switch {
	case f.key == "expectation":
		return "DETECTON", "did you mean DETECTION?"
	case f.list() && f.blank != "":
		return " ", "must not be blank"
	case len(f.enum) > 0:
		return "xml", "want " + orList(f.enum)
	case f.key == "log_level":
		return "loud", "want debug, info, warn or error"
	case f.key == "openaev_version":
		return "latest", "not a platform version"
	case f.typ == durationType:
		return "5 min", "not a duration"
	case f.isBool():
		return "maybe", "not a boolean"
	case f.url:
		return "ftp://127.0.0.1:9/x", "scheme must be http or https"
	case f.secret:
		return "Bearer abc", "starts with the word Bearer"
	case f.typ.Kind() == reflect.Int, f.typ.Kind() == reflect.Int64:
		return "many", "not an integer"
	case f.path():
		return "~/x", "a leading ~ is not expanded here"
	case f.nonblank:
		return " ", "must not be blank"
	}
	return "", ""
}

// freeText are the settings of which any text is a value, checked after
// decoding if at all: badValue has none for them.
var freeText = []string{"inject_id", "cloud_provider", "cloud_account", "tenant", "injector_id", "injector_name",
	"injector_type", "listen_addr", "injectors", "query", "target", "cloud_region", "target_service"}

// A value a higher layer hides is refused all the same, naming where it
// was written and the value, as it is refused when it is the one read: a
// typo in the config file (timeout: 5 min) or the environment
// (INJECTKIT_TIMEOUT=abc) that a flag hides today is read the day the flag
// goes. Every setting of every command, from each layer under each higher
// one. A param's layers merge key by key, each item read and checked
// (TestConfigErrorsNameTheSource).
func TestShadowedValueRefused(t *testing.T) {
	sources := []struct{ low, high string }{{"file", "env"}, {"file", "flag"}, {"env", "flag"}}
	where := map[string]string{"file": "(config file c.yaml:1)", "env": "(env INJECTKIT_"}
	for _, typ := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](), reflect.TypeFor[outboxSendConfig](),
		reflect.TypeFor[outboxListConfig](), reflect.TypeFor[outboxDropConfig](), reflect.TypeFor[outboxMoveConfig](),
		reflect.TypeFor[injectorsConfig](), reflect.TypeFor[versionConfig]()} {
		for _, f := range fieldsOf(typ) {
			bad, says := badValue(f)
			switch {
			case f.pairs:
				continue
			case bad == "" && !slices.Contains(freeText, f.key):
				t.Errorf("%s %s: no value every layer refuses (badValue), and not free text", typ.Name(), f.key)
				continue
			case bad == "":
				continue
			}
			good, _ := twoValues(f)
			for _, s := range sources {
				t.Run(typ.Name()+"/"+f.key+"/"+s.low+" under "+s.high, func(t *testing.T) {
					// The expectation types are read after decoding (run's
					// request): TestMisspelledEnumSaysWhichWasMeant.
					if _, err := decodeLayers(t, typ, f, map[string]string{s.low: bad}); err == nil && f.key != "expectation" {
						t.Fatalf("%q alone from the %s is taken, want it refused", bad, s.low)
					}
					_, err := decodeLayers(t, typ, f, map[string]string{s.low: bad, s.high: good})
					val := `"` + bad + `"`
					if f.secret {
						val = "(secret)"
					}
					if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), where[s.low]) ||
						!strings.Contains(err.Error(), val) {
						t.Errorf("%s %q under the %s's %q: %v; want it refused naming %s, %s and saying %q",
							s.low, bad, s.high, good, err, where[s.low], val, says)
					}
				})
			}
		}
	}
}

// decodeLayers decodes into a new config of type typ setting f from the
// layers named in by ("file", "env", "flag"), each its own value, every
// other scalar setting from the environment, as sampleValue gives it (a
// required one is given).
func decodeLayers(t *testing.T, typ reflect.Type, f field, by map[string]string) (reflect.Value, error) {
	t.Helper()
	env := map[string]string{}
	for _, g := range fieldsOf(typ) {
		if !g.list() && g.key != f.key {
			env[g.env()] = sampleValue(g)
		}
	}
	var args []string
	var file map[string]raw
	if v, ok := by["flag"]; ok {
		args = append(args, "--"+f.flag()+"="+v)
	}
	if v, ok := by["env"]; ok {
		env[f.env()] = v
	}
	if v, ok := by["file"]; ok {
		file = map[string]raw{f.key: {vals: []string{v}, from: "config file c.yaml:1"}}
	}
	return decodeFrom(t, typ, args, env, file)
}
