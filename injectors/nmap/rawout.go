package nmap

import (
	"fmt"
	"strings"
)

// maxRawOutput bounds, in bytes, the action_output an inject keeps of
// nmap's output, over all its scans, the separators and rawCutMarker
// included: the report is parsed as it streams in, so only the raw copy
// grows with it. The platform takes a structured output of at most
// 20,000,000 characters, in which a byte of nmap's XML takes some 1.8 (its
// quotes escaped twice): 8 MiB of XML is about the most one terminal
// callback can carry beside scan_results. The output past it is not kept:
// action_output ends with rawCutMarker and a WARN says so; scan_results,
// ports and the signatures come from the whole report.
const maxRawOutput = 8 << 20

// rawCutMarker ends an action_output cut at maxRawOutput, after the last
// whole line kept, naming the bytes of nmap's output it holds and those
// nmap wrote over the inject's scans (an XML comment).
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

// rawScan is what one scan kept of nmap's output.
type rawScan struct {
	name  string // the scan (scanGroup)
	kept  string // the output's start (capBuffer), all of it when kept == bytes
	bytes int64  // the output's length
}

// whole reports whether the scan kept all its output.
func (s rawScan) whole() bool { return int64(len(s.kept)) == s.bytes }

// rawOutput is the action_output of an inject's scans: their outputs
// joined by newlines, at most max bytes. When they do not fit, it keeps
// whole lines from the start (none of a scan after the one cut) and ends
// with rawCutMarker.
type rawOutput struct {
	max   int
	scans []rawScan
}

// room returns the bytes the next scan may keep: what is left of max
// after the outputs kept and the newline before its own, none once an
// output was cut.
func (r *rawOutput) room() int {
	used := 0
	for _, s := range r.scans {
		if !s.whole() {
			return 0
		}
		if s.kept != "" {
			used += len(s.kept) + 1
		}
	}
	return max(r.max-used, 0)
}

// add records what a scan kept of its output.
func (r *rawOutput) add(s rawScan) { r.scans = append(r.scans, s) }

// bytes returns the length of nmap's output over the scans.
func (r *rawOutput) bytes() int64 {
	var n int64
	for _, s := range r.scans {
		n += s.bytes
	}
	return n
}

// text returns action_output, the bytes of nmap's output it holds and
// the scans whose output it does not hold whole (none when all fit).
func (r *rawOutput) text() (out string, kept int64, cut []string) {
	total := r.bytes()
	parts := make([]string, 0, len(r.scans))
	for _, s := range r.scans {
		if !s.whole() {
			cut = append(cut, s.name)
		}
		if s.kept != "" {
			parts = append(parts, s.kept)
		}
	}
	if cut == nil {
		return strings.Join(parts, "\n"), total, nil
	}
	// Room for the marker at its longest and the newline that may end
	// the last output kept before it.
	room := r.max - len(fmt.Sprintf(rawCutMarker, r.max, total)) - 1
	var b strings.Builder
	cut = nil
	full := false // an output was cut: the later ones keep nothing
	for _, s := range r.scans {
		p := s.kept
		sep := min(b.Len(), 1)
		switch left := room - b.Len() - sep; {
		case full:
			p = ""
		case len(p) > left || !s.whole():
			p = p[:max(min(len(p), left), 0)]
			p = p[:strings.LastIndexByte(p, '\n')+1] // whole lines only
			full = true
		}
		if int64(len(p)) < s.bytes {
			cut = append(cut, s.name)
		}
		if p == "" {
			continue
		}
		if sep == 1 {
			b.WriteByte('\n')
		}
		b.WriteString(p)
		kept += int64(len(p))
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, rawCutMarker, kept, total)
	return b.String(), kept, cut
}
