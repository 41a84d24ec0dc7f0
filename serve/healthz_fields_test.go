package serve_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// Every field /healthz can answer, those left out while they do not apply
// (last_heartbeat before the first registration, reason when healthy,
// results_held…) included, is named in the README's passage on it (from
// "**Health and metrics**" to "Neither endpoint asks for authentication"):
// a probe or a dashboard goes by those names, and a field added or renamed
// without them fails here.
func TestHealthzFieldsAsTheREADMESays(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "**Health and metrics**", "Neither endpoint asks for authentication"
	_, passage, ok := strings.Cut(strings.Join(strings.Fields(string(readme)), " "), from)
	if !ok {
		t.Fatalf("README.md has no %q", from)
	}
	if passage, _, ok = strings.Cut(passage, to); !ok {
		t.Fatalf("README.md has no %q after %q", to, from)
	}
	typ := reflect.TypeFor[serve.Health]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			t.Fatalf("Health.%s has no JSON name: /healthz would print it as %s", typ.Field(i).Name, typ.Field(i).Name)
		}
		if !strings.Contains(passage, "`"+name+"`") && !strings.Contains(passage, `"`+name+`"`) {
			t.Errorf("README.md does not name the /healthz field %q (Health.%s)", name, typ.Field(i).Name)
		}
	}
}
