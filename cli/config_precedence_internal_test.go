package cli

import (
	"reflect"
	"testing"
)

// twoValues are two different values field f accepts, as a user writes
// them, the first not its default, so that a layer that gives it is seen
// to apply.
func twoValues(f field) (string, string) {
	switch {
	case len(f.enum) > 0:
		for i, e := range f.enum {
			if e != f.def {
				return e, f.enum[(i+1)%len(f.enum)]
			}
		}
	case f.key == "log_level":
		return "warn", "error"
	case f.key == "expectation":
		// Each layer's types are read, a hidden one's too (checkShadowed).
		return "PREVENTION", "VULNERABILITY"
	case f.key == "openaev_version":
		return "2.4.0", "3.260821.0"
	case f.typ == durationType:
		return "31s", "32s"
	case f.isBool():
		return "true", "false"
	case f.url:
		return "http://127.0.0.1:9/one", "http://127.0.0.1:9/two"
	case f.typ.Kind() == reflect.Int, f.typ.Kind() == reflect.Int64:
		return "5", "6"
	}
	return "one-" + f.key, "two-" + f.key
}

// layered decodes into a new config of type typ every scalar setting from
// the environment, as sampleValue gives it, but key, given by the layers
// named in by ("file", "env", "flag"), each its own value.
func layered(t *testing.T, typ reflect.Type, key string, by map[string]string) reflect.Value {
	t.Helper()
	env := map[string]string{}
	var args []string
	var file map[string]raw
	for _, f := range fieldsOf(typ) {
		if !f.list() && f.key != key {
			env[f.env()] = sampleValue(f)
		}
		if f.key != key {
			continue
		}
		if v, ok := by["flag"]; ok {
			args = append(args, "--"+f.flag()+"="+v)
		}
		if v, ok := by["env"]; ok {
			env[f.env()] = v
		}
		if v, ok := by["file"]; ok {
			file = map[string]raw{key: {vals: []string{v}, from: "config file c.yaml:1"}}
		}
	}
	dst, err := decodeFrom(t, typ, args, env, file)
	if err != nil {
		t.Fatalf("%s %v: %v", key, by, err)
	}
	return dst
}

// Every setting of every command, a list's too, is taken from the highest
// layer that gives it: flag > environment > config file > default (params,
// which merge key by key, have their own test: TestConfigPrecedence).
func TestEveryKeyPrecedence(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](), reflect.TypeFor[outboxSendConfig](),
		reflect.TypeFor[outboxListConfig](), reflect.TypeFor[outboxDropConfig](), reflect.TypeFor[outboxMoveConfig](),
		reflect.TypeFor[injectorsConfig](), reflect.TypeFor[versionConfig]()} {
		for _, f := range fieldsOf(typ) {
			if f.pairs {
				continue
			}
			one, two := twoValues(f)
			alone := func(v string) any {
				return layered(t, typ, f.key, map[string]string{"flag": v}).FieldByIndex(f.index).Interface()
			}
			for _, tt := range []struct {
				by   map[string]string
				want string
			}{
				{map[string]string{"file": one}, one},
				{map[string]string{"file": one, "env": two}, two},
				{map[string]string{"file": two, "env": one}, one},
				{map[string]string{"env": one, "flag": two}, two},
				{map[string]string{"env": two, "flag": one}, one},
				{map[string]string{"file": one, "flag": two}, two},
				{map[string]string{"file": two, "env": two, "flag": one}, one},
			} {
				got := layered(t, typ, f.key, tt.by).FieldByIndex(f.index).Interface()
				if want := alone(tt.want); !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s given %v is %v, want %v (%s)", typ.Name(), f.key, tt.by, got, want, tt.want)
				}
			}
			if f.def != "" {
				def := layered(t, typ, f.key, nil).FieldByIndex(f.index).Interface()
				if reflect.DeepEqual(def, alone(one)) {
					t.Errorf("%s %s: the default is %v, the value %s given to see a layer apply", typ.Name(), f.key, def, one)
				}
			}
		}
	}
}
