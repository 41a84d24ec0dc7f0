package nmap

import (
	"bytes"
	"fmt"
	"strings"
)

// maxRawOutput bounds, in bytes, the nmap output an inject keeps for
// action_output, over all its scans: the report is parsed as it streams
// in, so only the raw copy grows with it. The platform takes a structured
// output of at most 20,000,000 characters, in which a byte of nmap's XML
// takes some 1.8 (its quotes escaped twice): 8 MiB of XML is about the
// most one terminal callback can carry beside scan_results. The output
// past it is not kept: action_output ends with rawCutMarker and a WARN
// says so; scan_results, ports and the signatures come from the whole
// report.
const maxRawOutput = 8 << 20

// rawCutMarker ends an action_output cut at maxRawOutput, naming the
// bytes kept and nmap's whole output (an XML comment, after the last
// whole line kept).
const rawCutMarker = "<!-- injectkit: nmap's output cut here, %d of its %d bytes kept -->"

// capBuffer keeps the first max bytes written to it and counts them all.
type capBuffer struct {
	max   int
	buf   []byte
	total int64
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.total += int64(len(p))
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// cut reports whether some output was not kept.
func (b *capBuffer) cut() bool { return b.total > int64(len(b.buf)) }

// String returns what was kept: the whole output, or, when it was cut,
// its whole lines kept followed by rawCutMarker.
func (b *capBuffer) String() string {
	if !b.cut() {
		return string(b.buf)
	}
	kept := b.buf
	if i := bytes.LastIndexByte(kept, '\n'); i >= 0 {
		kept = kept[:i+1]
	}
	var s strings.Builder
	s.Grow(len(kept) + len(rawCutMarker) + 40)
	s.Write(bytes.ToValidUTF8(kept, nil))
	fmt.Fprintf(&s, rawCutMarker, len(kept), b.total)
	return s.String()
}
