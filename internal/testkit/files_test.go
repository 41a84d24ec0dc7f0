package testkit

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

func TestWriteJSONAndGolden(t *testing.T) {
	p := WriteJSON(t, "v.json", map[string]int{"a": 1})
	got, err := os.ReadFile(p)
	if err != nil || string(got) != `{"a":1}` || filepath.Base(p) != "v.json" {
		t.Fatalf("WriteJSON wrote %q to %s (%v)", got, p, err)
	}
	golden := filepath.Join(t.TempDir(), "sub", "want.json")
	Golden(t, golden, got, true) // -update: creates the directory and the file
	Golden(t, golden, got, false)
	var fails []string
	rec := &failRecorder{TB: t, fails: &fails}
	Golden(rec, golden, []byte(`{"a":2}`), false)
	if len(fails) != 1 {
		t.Errorf("a differing output failed %d times, want once: %q", len(fails), fails)
	}
}

func TestGoldenOutcome(t *testing.T) {
	dir := t.TempDir()
	ok := map[string][]byte{"out.json": []byte("{}\n")}
	failed := errors.New("bad input")
	GoldenOutcome(t, dir, ok, nil, true)
	GoldenOutcome(t, dir, ok, nil, false)
	var fails []string
	rec := &failRecorder{TB: t, fails: &fails}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		GoldenOutcome(rec, dir, ok, failed, false) // out.json stale, error.txt missing
	}()
	<-done
	if len(fails) != 2 {
		t.Errorf("a case that now fails was reported %d times, want twice (stale file, missing error.txt): %q", len(fails), fails)
	}
	GoldenOutcome(t, dir, ok, failed, true) // swaps out.json for error.txt
	if b, err := os.ReadFile(filepath.Join(dir, "error.txt")); err != nil || string(b) != "bad input\n" {
		t.Errorf("error.txt = %q (%v)", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("out.json left beside error.txt: %v", err)
	}
	GoldenOutcome(t, dir, ok, failed, false)
}

func TestReadJSONStrict(t *testing.T) {
	var v struct{ A int }
	ReadJSON(t, WriteFile(t, "ok.json", `{"A": 2}`), &v)
	if v.A != 2 {
		t.Errorf("decoded %+v", v)
	}
	var fails []string
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine, as it ends a test
		defer close(done)
		ReadJSON(&failRecorder{TB: t, fails: &fails}, WriteFile(t, "typo.json", `{"B": 2}`), &v)
	}()
	<-done
	if len(fails) != 1 {
		t.Errorf("an unknown field failed %d times, want once", len(fails))
	}
}

func TestCases(t *testing.T) {
	root := t.TempDir()
	for _, c := range []string{"b", "a"} {
		if err := os.Mkdir(filepath.Join(root, c), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	Cases(t, filepath.Join(root, "*"), func(t *testing.T, dir string) {
		seen = append(seen, filepath.Base(dir)+"="+filepath.Base(t.Name()))
	})
	if !slices.Equal(seen, []string{"a=a", "b=b"}) {
		t.Errorf("cases run %q, want a then b, each in a subtest named after it", seen)
	}

	// A pattern naming a file of each case picks the folders holding one.
	if err := os.WriteFile(filepath.Join(root, "b", "input.json"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "capture.sh"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := CaseDirs(t, filepath.Join(root, "*", "input.json")); !slices.Equal(got, []string{filepath.Join(root, "b")}) {
		t.Errorf("CaseDirs(*/input.json) = %q, want only b", got)
	}
}

// failRecorder records Errorf instead of failing the test.
type failRecorder struct {
	testing.TB
	fails *[]string
}

func (r *failRecorder) Helper() {}

func (r *failRecorder) Errorf(format string, args ...any) { *r.fails = append(*r.fails, format) }

func (r *failRecorder) Fatalf(format string, args ...any) {
	*r.fails = append(*r.fails, format)
	runtime.Goexit()
}
