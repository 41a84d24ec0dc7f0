package nmap

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// readSizes records the size of each write it gets (a writer without
// ReadFrom, as io.MultiWriter is).
type readSizes struct {
	buf   bytes.Buffer
	sizes []int
}

func (r *readSizes) Write(p []byte) (int, error) {
	r.sizes = append(r.sizes, len(p))
	return r.buf.Write(p)
}

// TestChunked checks what os/exec is handed for each of nmap's outputs: a
// file or nil as they are, any other writer read into readChunk bytes at
// a time, whole.
func TestChunked(t *testing.T) {
	f, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for _, tc := range []struct {
		name string
		w    io.Writer
		want io.Writer
	}{
		{"file", f, f},
		{"nil", nil, nil},
		{"buffer", &buf, chunkedWriter{&buf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chunked(tc.w); got != tc.want {
				t.Errorf("chunked(%T) = %#v, want %#v", tc.w, got, tc.want)
			}
		})
	}

	report := strings.Repeat("<host/>\n", 3*readChunk/8+5) // three chunks and a bit
	rs := &readSizes{}
	// As os/exec copies: io.Copy to the writer from a reader without WriteTo.
	n, err := io.Copy(chunked(rs), struct{ io.Reader }{strings.NewReader(report)})
	if err != nil || n != int64(len(report)) || rs.buf.String() != report {
		t.Fatalf("copied %d bytes, %v; got %d bytes back, want %d", n, err, rs.buf.Len(), len(report))
	}
	if len(rs.sizes) < 4 {
		t.Errorf("%d writes, want the report in chunks: %v", len(rs.sizes), rs.sizes)
	}
	for _, s := range rs.sizes {
		if s > readChunk {
			t.Errorf("a write of %d bytes, want at most %d: %v", s, readChunk, rs.sizes)
		}
	}
}
