package cli

import (
	"io"
	"reflect"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
)

// sampleValue is a value field f accepts, as a user writes it.
func sampleValue(f field) string {
	switch {
	case len(f.enum) > 0:
		return f.enum[len(f.enum)-1]
	case f.key == "log_level":
		return "warn"
	case f.key == "openaev_version":
		return "2.4.0"
	case f.typ == durationType:
		return "30s"
	case f.isBool():
		return "true"
	case f.url:
		return "http://127.0.0.1:9/x"
	case f.typ.Kind() == reflect.Int, f.typ.Kind() == reflect.Int64:
		return "5"
	}
	return "v-" + f.key
}

// decodeOne decodes into a new config of type typ: every scalar setting
// from the environment, as sampleValue gives it, but key, given by source
// (flag, env or file) as written.
func decodeOne(t *testing.T, typ reflect.Type, key, source, written string) (reflect.Value, error) {
	t.Helper()
	env := map[string]string{}
	for _, f := range fieldsOf(typ) {
		if !f.list() {
			env[f.env()] = sampleValue(f)
		}
	}
	var args []string
	var file map[string]raw
	for _, f := range fieldsOf(typ) {
		if f.key != key {
			continue
		}
		switch source {
		case "flag":
			args = append(args, "--"+f.flag()+"="+written)
		case "env":
			env[f.env()] = written
		case "file":
			delete(env, f.env())
			file = map[string]raw{key: {vals: []string{written}, from: "config file c.yaml:1"}}
		}
	}
	dst := reflect.New(typ)
	var err error
	app := &ucli.App{Writer: io.Discard, ErrWriter: io.Discard, Flags: flagsOf(defaultName, typ, nil), Action: func(c *ucli.Context) error {
		err = decodeFields(dst.Interface(), c, defaultName, func(k string) string { return env[k] }, file)
		return nil
	}}
	if runErr := app.Run(append([]string{"x"}, args...)); runErr != nil {
		t.Fatalf("%s: %v", key, runErr)
	}
	return dst.Elem(), err
}

// Every setting's value is read alike from every source, without the
// white space around it that an environment file (Docker's --env-file
// keeps trailing spaces, a Kubernetes Secret a trailing newline) or a
// paste adds: " v\n" is v. An enum's value is read in any letter case.
func TestSettingValuesReadAlike(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](), reflect.TypeFor[outboxSendConfig](),
		reflect.TypeFor[outboxListConfig](), reflect.TypeFor[injectorsConfig](), reflect.TypeFor[versionConfig]()} {
		for _, f := range fieldsOf(typ) {
			if f.list() {
				continue // each item is trimmed (field.item)
			}
			want := sampleValue(f)
			plain, err := decodeOne(t, typ, f.key, "env", want)
			if err != nil {
				t.Fatalf("%s %s %q: %v", typ.Name(), f.key, want, err)
			}
			written := []string{" " + want + " ", want + "\n", "\t" + want + "\r\n"}
			if len(f.enum) > 0 || f.key == "log_level" {
				written = append(written, strings.ToUpper(want)+"\n")
			}
			for _, source := range []string{"flag", "env", "file"} {
				if source == "flag" && f.isBool() {
					continue // a bool flag takes no value: --insecure
				}
				for _, w := range written {
					got, err := decodeOne(t, typ, f.key, source, w)
					if err != nil {
						t.Errorf("%s %s %q from %s: %v", typ.Name(), f.key, w, source, err)
						continue
					}
					g, p := got.FieldByIndex(f.index).Interface(), plain.FieldByIndex(f.index).Interface()
					if !reflect.DeepEqual(g, p) {
						t.Errorf("%s %s %q from %s is %v, want %v as for %q", typ.Name(), f.key, w, source, g, p, want)
					}
				}
			}
		}
	}
}

// An injector's setting too, from its variable or the config file.
func TestInjectorSettingValuesTrimmed(t *testing.T) {
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{{Key: "base_url", Env: "INJECTKIT_X_BASE_URL"}, {Key: "api_key"}}}}
	file := configFile{injectors: map[string]string{"query.api_key": " k\n"}, injectorsFrom: map[string]string{"query.api_key": "config file c.yaml:1"}}
	got := newInjectorSettings(ms, func(string) string { return "http://127.0.0.1:9\n" }, file, nil)
	if got["query"]["base_url"] != "http://127.0.0.1:9" || got["query"]["api_key"] != "k" {
		t.Errorf("settings %q, want them without the white space around them", got["query"])
	}
}
