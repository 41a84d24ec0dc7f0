package httpx

import (
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxErrorBody is the most of an error response body an HTTPError keeps.
const maxErrorBody = 4 << 10

// ReadErrorBody returns the start of an error response body: at most 4 KiB
// cut on a rune boundary, secrets redacted before the cut, so that a body
// a little longer holding an echoed secret keeps its end. It drains a
// little more of r so that the connection can be reused. It is the one
// reader of an error answer's text: the Poster's for a non-2xx answer
// (HTTPError.Body), and a Decode's for a 2xx answer that is an error.
//
// It reads past the first 4 KiB by the longest form of a secret it
// matches (see Redactor.longestForm), so that every secret starting in
// the first 4 KiB is read whole and redacted. When the body went on beyond what was read,
// the text kept is that of the first 4 KiB read, and of the whole secrets
// starting there, never the rest: a secret cut by the read limit is not
// matched, and the redactions before it, each shorter than the secret it
// replaces, would move its start inside the 4 KiB kept.
//
// The text kept goes through Redactor.ServerText: redacted, or, when it
// holds a secret redaction could not cut out (split over lines or the
// columns of a dump), withheld whole.
func ReadErrorBody(r io.Reader, secrets ...string) string {
	red := NewRedactor(secrets...)
	b, _ := io.ReadAll(io.LimitReader(r, int64(maxErrorBody+red.longestForm())))
	more, _ := io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	s := string(b)
	if more > 0 {
		s = headOf(s, red.spans(s), maxErrorBody)
	}
	s = red.ServerText(s)
	if len(s) > maxErrorBody || more > 0 {
		s = s[:min(len(s), maxErrorBody)]
		// Drop a marker the cut split in two: "[REDAC" would read as the
		// server's own text.
		for k := min(len(Redacted)-1, len(s)); k > 0; k-- {
			if strings.HasSuffix(s, Redacted[:k]) {
				s = s[:len(s)-k]
				break
			}
		}
		// Drop a rune the cut split in two.
		for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	return s
}

// longestForm returns the most bytes a form of r's secrets takes in a
// text: its longest form with each of its bytes written as the longest
// escape decoded before matching, a character reference (maxReference
// bytes; a \u escape takes 6). A form escaped more deeply still (a \u
// escape of a \u escape) may be longer: one starting in the first 4 KiB
// of an error answer is redacted only if read whole.
func (r *Redactor) longestForm() int {
	n := 0
	for _, fs := range [][][]byte{r.long, r.short} {
		if len(fs) > 0 {
			n = max(n, len(fs[0])) // longest first
		}
	}
	return maxReference * n
}

// headOf returns s cut after its first n bytes, or after the end of the
// last secret span starting before the cut (each span is a whole match).
func headOf(s string, spans [][2]int, n int) string {
	if len(s) <= n {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	end := n
	for _, sp := range spans {
		if sp[0] >= end {
			break
		}
		end = max(end, sp[1])
	}
	return s[:end]
}
