package signatures_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestWireFormatDoc keeps docs/wire-format.md honest: every JSON block in it
// parses, and the golden payloads it quotes appear in it unchanged.
func TestWireFormatDoc(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "wire-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []any
	parts := strings.Split(string(doc), "```json\n")
	for i, p := range parts[1:] {
		body, _, ok := strings.Cut(p, "```")
		if !ok {
			t.Fatalf("json block %d is not closed", i)
		}
		body = strings.ReplaceAll(body, "[ ... ]", "[]") // the envelope elides its targets
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("json block %d does not parse: %v\n%s", i, err, body)
			continue
		}
		blocks = append(blocks, v)
	}
	for _, c := range []string{"network_detection_prevention", "cloud_multi_region"} {
		raw, err := os.ReadFile(filepath.Join("testdata", c, "payload.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range blocks {
			if reflect.DeepEqual(b, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("docs/wire-format.md does not quote testdata/%s/payload.json as it now is", c)
		}
	}
}
