package transport

import (
	"fmt"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/wirejson"
)

// fitPartials returns nt, a normalised target whose encoding (size bytes)
// exceeds room, with its partial results cut so that it fits: the first
// ones kept, the others replaced by one line saying how many were left
// out. A timed-out run's partial results are known only after it ran, so
// no pre-check can count them: a target the size check let through must
// not lose every signature (nor block the whole payload) for their sake.
// ok is false when nt has no partial results or does not fit even without
// them; left is how many of them were left out.
func fitPartials(nt signatures.PayloadTarget, room int, sizer *wirejson.Encoder) (fitted signatures.PayloadTarget, size, left int, ok bool) {
	n := partialCount(nt)
	if n == 0 {
		return nt, 0, 0, false
	}
	try := func(keep int) (signatures.PayloadTarget, int) {
		t := withPartials(nt, keep, n)
		s, err := sizer.TargetSize(t)
		if err != nil {
			return t, room + 1
		}
		return t, s
	}
	// The most results kept that fit: keep = 0 holds only the line
	// saying they were left out, and keep = -1 not even that.
	if _, s := try(0); s > room {
		t, s := try(-1)
		return t, s, n, s <= room
	}
	lo, hi := 0, n-1 // lo fits; n does not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if _, s := try(mid); s <= room {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	fitted, size = try(lo)
	return fitted, size, n - lo, true
}

// partialCount returns how many partial results nt's value groups carry
// (the most of any group).
func partialCount(nt signatures.PayloadTarget) int {
	n := 0
	for _, g := range nt.SignatureValues {
		for _, v := range g.Values {
			if v.SignatureType == signatures.FieldPartialResults {
				n = max(n, len(partialLines(v.SignatureValue)))
			}
		}
	}
	return n
}

// partialLines returns the lines of a partial_results value.
func partialLines(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// withPartials returns a copy of nt whose partial results keep their
// first keep lines, then one saying how many of the n were left out; with
// keep < 0, none of them (the value is left out).
func withPartials(nt signatures.PayloadTarget, keep, n int) signatures.PayloadTarget {
	groups := make([]signatures.ValueGroup, len(nt.SignatureValues))
	for i, g := range nt.SignatureValues {
		values := make([]signatures.Value, 0, len(g.Values))
		for _, v := range g.Values {
			if v.SignatureType == signatures.FieldPartialResults {
				if keep < 0 {
					continue
				}
				lines := partialLines(v.SignatureValue)
				k := min(keep, len(lines))
				v.SignatureValue = append(lines[:k:k], fmt.Sprintf("… %d more left out (body size limit)", n-k))
			}
			values = append(values, v)
		}
		g.Values = values
		groups[i] = g
	}
	nt.SignatureValues = groups
	return nt
}
