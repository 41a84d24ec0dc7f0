package testkit

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
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

// Cases runs one subtest per case folder, named after it and given its
// path: the loop of a golden test whose cases are folders. pattern is a
// filepath.Glob pattern matching the folders ("testdata/cases/*"), or a
// file every case holds ("testdata/*/input.json"), whose folder is then
// the case; the latter leaves out the other files and folders beside the
// cases. No match fails t.
func Cases(t *testing.T, pattern string, run func(t *testing.T, dir string)) {
	t.Helper()
	dirs := CaseDirs(t, pattern)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { run(t, dir) })
	}
}

// CaseDirs returns the case folders a Cases pattern matches, for a test
// that runs each case its own way. No match fails t.
func CaseDirs(t testing.TB, pattern string) []string {
	t.Helper()
	matches, err := filepath.Glob(pattern)
	if err != nil || len(matches) == 0 {
		t.Fatalf("no cases match %s: %v", pattern, err)
	}
	dirs := make([]string, len(matches))
	for i, m := range matches {
		dirs[i] = m
		if fi, err := os.Stat(m); err == nil && !fi.IsDir() {
			dirs[i] = filepath.Dir(m)
		}
	}
	return dirs
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

// GoldenOutcome checks the outcome of a golden case against its folder
// dir. A case that succeeds (err nil) compares each file of got, named by
// its key, with its golden file, and dir must hold no error.txt; a case
// that fails compares err's text, and a newline, with error.txt, and dir
// must hold none of got's files (their content is then unused). Under
// update it writes the files that apply and removes the others.
func GoldenOutcome(t testing.TB, dir string, got map[string][]byte, err error, update bool) {
	t.Helper()
	want, stale := got, []string{"error.txt"}
	if err != nil {
		want, stale = map[string][]byte{"error.txt": []byte(err.Error() + "\n")}, slices.Sorted(maps.Keys(got))
	}
	for _, name := range stale {
		path := filepath.Join(dir, name)
		if _, serr := os.Stat(path); serr != nil {
			continue
		}
		if !update {
			t.Errorf("%s is there, but the case %s (run go test -update after checking)", path, outcome(err))
			continue
		}
		if rerr := os.Remove(path); rerr != nil {
			t.Fatal(rerr)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		Golden(t, filepath.Join(dir, name), want[name], update)
	}
}

func outcome(err error) string {
	if err != nil {
		return "failed with " + err.Error()
	}
	return "succeeded"
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

// OwnedDir makes a directory conf in a fresh temporary directory of t,
// owned by uid owner (0: left as made) with mode, and returns its path:
// the directory whose exposure a test judges. Handing it to another user
// needs root: without it, t is skipped when owner is not 0.
func OwnedDir(t testing.TB, mode os.FileMode, owner int) string {
	t.Helper()
	if owner != 0 && os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if owner != 0 {
		if err := os.Chown(dir, owner, owner); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}
