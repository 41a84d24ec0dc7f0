package outbox

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// Bodies are stored compressed: callback bodies are JSON that repeats the
// same keys and values from target to target, and deflate at its fastest
// level shrinks them tens of times for about a millisecond per MiB, which
// costs far less than writing and fsyncing them whole. A stored body is one
// codec byte followed by its bytes; reading it back gives the exact bytes
// that were put, so a resend is byte for byte the original.
const (
	codecRaw     = 'r'
	codecDeflate = 'd'
)

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // the level is valid
	return w
}}

// packBody returns the stored form of body.
func packBody(body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body)/8 + 64)
	buf.WriteByte(codecDeflate)
	w := flateWriters.Get().(*flate.Writer)
	w.Reset(&buf)
	_, _ = w.Write(body) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	flateWriters.Put(w)
	if buf.Len() > len(body)+1 {
		return append([]byte{codecRaw}, body...)
	}
	return buf.Bytes()
}

// unpackBody returns the body a stored value holds.
func unpackBody(stored []byte) ([]byte, error) {
	if len(stored) == 0 {
		return nil, fmt.Errorf("empty stored body")
	}
	switch stored[0] {
	case codecRaw:
		return append([]byte(nil), stored[1:]...), nil
	case codecDeflate:
		r := flate.NewReader(bytes.NewReader(stored[1:]))
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("stored body: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("stored body: unknown codec %q", stored[0])
}
