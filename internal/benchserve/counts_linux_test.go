package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReadIO: the write-class system calls of a process count its writes
// (each of them, with nothing else of this test's in between), and a
// process that does not exist is an error, its counts -1.
func TestReadIO(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "w"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before, wbefore, err := readIO(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	const writes = 50
	for range writes {
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	after, wafter, err := readIO(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after-before < writes {
		t.Errorf("syscw went from %d to %d over %d writes", before, after, writes)
	}
	if wbefore < 0 || wafter < wbefore {
		t.Errorf("write_bytes went from %d to %d", wbefore, wafter)
	}
	if sw, wb, err := readIO(-1); err == nil || sw != -1 || wb != -1 {
		t.Errorf("readIO(-1) = %d, %d, %v; want -1, -1 and an error", sw, wb, err)
	}
}
