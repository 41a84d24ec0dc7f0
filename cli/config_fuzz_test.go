package cli

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// FuzzReadConfigFile: whatever a config file holds, reading it does not
// panic; a file it refuses is a usage error (exit 2) naming the file; a
// file it takes sets only keys the command knows and declared injector
// settings.
func FuzzReadConfigFile(f *testing.F) {
	for _, s := range []string{
		"inject_id: 00123\ntarget: [10.0.0.1, web.example.com]\nparam: outcome=failed\n",
		"query:\n  api_key: k\nquery.base_url: https://h\n",
		"a: &x [1, 2]\nb: *x\n",
		"- just\n- a list\n",
		"expectation: {a: b}\n",
		"phase: !!binary aGk=\n",
		"~\n",
		"",
	} {
		f.Add(s)
	}
	known := keysOf(reflect.TypeFor[runConfig]())
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{{Key: "api_key"}, {Key: "base_url"}}}}
	f.Fuzz(func(t *testing.T, doc string) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		cf, err := readConfigFile(t.Context(), path, known, ms)
		if err != nil {
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != ExitUsage || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v: want a usage error naming %s", err, path)
			}
			return
		}
		for k := range cf.values {
			if !known[k] {
				t.Fatalf("took unknown key %q", k)
			}
		}
		for k := range cf.injectors {
			if k != "query.api_key" && k != "query.base_url" {
				t.Fatalf("took undeclared injector setting %q", k)
			}
		}
	})
}
