package testkit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes content to a file name in a fresh temporary directory
// of t and returns its path.
func WriteFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteJSON writes v, as JSON, to a file name in a fresh temporary
// directory of t and returns its path.
func WriteJSON(t testing.TB, name string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return WriteFile(t, name, string(b))
}

// Cases runs one subtest per directory matching pattern (a filepath.Glob
// pattern such as "testdata/cases/*"), named after it and given its path:
// the loop of a golden test whose cases are folders. No match fails t.
func Cases(t *testing.T, pattern string, run func(t *testing.T, dir string)) {
	t.Helper()
	dirs, err := filepath.Glob(pattern)
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases match %s: %v", pattern, err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { run(t, dir) })
	}
}

// Golden compares got with the golden file at path, or, when update is
// set (a test's -update flag), writes got there, creating its directory.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// ReadJSON decodes the JSON file at path into v strictly: a field v does
// not have fails t, as a typo in a golden case's input would.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
