package outbox

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/s2"
	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport"
)

// Bodies are stored compressed: callback bodies are JSON that repeats the
// same keys and values from target to target, and compressing them costs
// far less than writing and fsyncing them whole. A stored body is one codec
// byte followed by its bytes; reading it back gives the exact bytes that
// were put, so a resend is byte for byte the original.
//
// Bodies are compressed in S2's block format
// (github.com/klauspost/compress/s2), which is about six times as fast as
// deflate at its fastest level for a stored form about 40 % larger: 0.11 ms
// against 0.68 ms for a 1 MiB W1 body, stored in 24 KB against 17 KB. A
// million-target run stores about 1 GB of bodies, so that deflate alone
// cost more than half a second of CPU on the path every body takes before
// its POST. Deflated bodies, which earlier versions stored, are still read.
// A body under smallBody bytes (serve's terminal callback, ~200 bytes) is
// stored raw: compression would barely shrink it.
const (
	codecRaw     = 'r'
	codecDeflate = 'd' // written by earlier versions, read only
	codecS2      = 's'
)

// smallBody is the size under which a body is stored raw.
const smallBody = 512

// maxUnpacked bounds what a stored body may claim to unpack to: bbolt's
// largest value, so that no body that could have been stored is refused,
// and a damaged length field cannot ask for more.
const maxUnpacked = bolt.MaxValueSize

// scratch holds the buffers S2 encodes into: it needs room for its worst
// case, the body's size and then some, before the result is copied out at
// its real size.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// packBody returns the stored form of body.
func packBody(body []byte) []byte {
	return packInto(make([]byte, 0, len(body)/8+64), body)
}

// packInto appends the stored form of body to dst[:0] and returns it: a
// caller that stores many bodies reuses dst (see bufPool).
func packInto(dst, body []byte) []byte {
	if len(body) < smallBody || len(body) > maxUnpacked {
		return append(append(dst[:0], codecRaw), body...)
	}
	buf := scratch.Get().(*[]byte)
	defer scratch.Put(buf)
	if n := s2.MaxEncodedLen(len(body)); cap(*buf) < n {
		*buf = make([]byte, n)
	}
	enc := s2.Encode((*buf)[:cap(*buf)], body)
	if len(enc) >= len(body) {
		return append(append(dst[:0], codecRaw), body...)
	}
	return append(append(dst[:0], codecS2), enc...)
}

// unpackBody returns the body a stored value holds, in a buffer from alloc
// (of n bytes' capacity or more; nil: a new one) when it is not deflated.
func unpackBody(stored []byte, alloc func(n int) []byte) ([]byte, error) {
	if len(stored) == 0 {
		return nil, fmt.Errorf("empty stored body")
	}
	if alloc == nil {
		alloc = func(n int) []byte { return make([]byte, 0, n) }
	}
	switch stored[0] {
	case codecRaw:
		return append(alloc(len(stored) - 1)[:0], stored[1:]...), nil
	case codecS2:
		n, err := s2.DecodedLen(stored[1:])
		if err != nil {
			return nil, fmt.Errorf("stored body: %w", err)
		}
		if n > maxUnpacked {
			return nil, fmt.Errorf("stored body: claims %d bytes unpacked, more than can be stored", n)
		}
		b, err := s2.Decode(alloc(n)[:n], stored[1:])
		if err != nil {
			return nil, fmt.Errorf("stored body: %w", err)
		}
		return b, nil
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

// bodyOf returns the body r's stored value holds, checked against r (see
// checkBody). The first outbox stored bodies verbatim, with no codec byte,
// under the same format mark as the codecs after it: a value that does not
// unpack to r's body is taken whole when that is r's body, by its recorded
// SHA-256 or, in a record stored without one (as the first outbox's
// were), by its size and the body hash its Idempotency-Key ends with. On
// failure, err is the unpacking's error or a *RecordError, and body what
// the value unpacks to, if anything. alloc is unpackBody's.
func bodyOf(r Record, stored []byte, alloc func(n int) []byte) (body []byte, err error) {
	body, err = unpackBody(stored, alloc)
	if err == nil {
		if re := checkBody(r, body); re != nil {
			err = re
		}
	}
	if err != nil && verbatim(r, stored) {
		return bytes.Clone(stored), nil
	}
	return body, err
}

// verbatim reports whether stored, taken whole, is r's body.
func verbatim(r Record, stored []byte) bool {
	if len(stored) == 0 || checkBody(r, stored) != nil {
		return false
	}
	return r.SHA256 != "" || r.IdempotencyKey == transport.IdempotencyKey(r.InjectID, r.Phase, r.ChunkIndex, stored)
}

// storedSize returns the size of the body a stored value holds, for a
// record whose metadata cannot be read (nothing to check it against):
// what it unpacks to, or, for a value with no codec byte, the whole value
// (the first outbox stored bodies verbatim, see bodyOf); 0 for one that
// does not unpack.
func storedSize(stored []byte) int {
	if b, err := unpackBody(stored, nil); err == nil {
		return len(b)
	}
	if len(stored) > 0 && stored[0] != codecRaw && stored[0] != codecS2 && stored[0] != codecDeflate {
		return len(stored)
	}
	return 0
}
