package httpx

import "strings"

// cutMark ends a value quoted cut short: signatures.Shorten writes its
// first bytes and "…" (a refused inject id or phase of 300 bytes is
// quoted by its first 64).
const cutMark = "…"

// cutSpans appends to spans, for each cutMark in s, the bytes right
// before it that are the start of a long form of r's secrets, ShortSecret
// bytes of it or more (ASCII case ignored): a value holding a secret,
// quoted cut short, holds none of its forms whole for the other matches
// to find, and shows the secret's start, up to all of it but a byte.
func (r *Redactor) cutSpans(spans [][2]int, s string) [][2]int {
	// Every mark is looked at: one fewer than ShortSecret bytes into s
	// ("…" opening it) has nothing to redact before it, but a later one
	// may.
	for i := strings.Index(s, cutMark); i >= 0; {
		fails := r.fails()
		for j, f := range r.cut {
			if n := prefixEnding(f, fails[j], s[max(0, i-len(f)):i]); i >= ShortSecret && n >= ShortSecret {
				spans = append(spans, [2]int{i - n, i})
			}
		}
		next := strings.Index(s[i+len(cutMark):], cutMark)
		if next < 0 {
			break
		}
		i += len(cutMark) + next
	}
	return spans
}

// prefixEnding returns the length of the longest prefix of f, a form
// ASCII lowercased, that t ends with, t's ASCII letters compared
// lowercased: t run through fail, f's failure function (see kmpFailure).
func prefixEnding(f []byte, fail []int32, t string) int {
	k := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if k == len(f) {
			k = int(fail[k-1])
		}
		for k > 0 && c != f[k] {
			k = int(fail[k-1])
		}
		if c == f[k] {
			k++
		}
	}
	return k
}

// kmpFailure returns Knuth, Morris and Pratt's failure function of f: at i,
// the length of the longest proper prefix of f[:i+1] that it ends with.
// A Redactor builds those of its long forms once (see forms.fails).
func kmpFailure(f []byte) []int32 {
	fail := make([]int32, len(f))
	for i, k := 1, 0; i < len(f); i++ {
		for k > 0 && f[i] != f[k] {
			k = int(fail[k-1])
		}
		if f[i] == f[k] {
			k++
		}
		fail[i] = int32(k)
	}
	return fail
}
