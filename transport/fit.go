package transport

import (
	"cmp"
	"fmt"
	"slices"

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

// PartialsLeftOut reports the partial results Encode cut from targets
// that fit in no body with them (see Encode): how many results were left
// out, over all targets, and of how many targets; 0, 0 when none was.
// Each cut target says so in its own partial results; a caller logs it.
func (e *Encoding) PartialsLeftOut() (results, targets int) {
	for _, f := range e.fitted {
		if f.partials > 0 {
			results, targets = results+f.partials, targets+1
		}
	}
	return results, targets
}

// ExtrasLeftOut lists, by index, the targets Encode left extra
// signatures out of to fit in a body (see Encode); nil when it left none
// out. Nothing on the wire says so: a caller logs it.
func (e *Encoding) ExtrasLeftOut() []Cut {
	var cuts []Cut
	for i, f := range e.fitted {
		if len(f.extras) > 0 {
			cuts = append(cuts, Cut{Index: i, Size: f.orig, Fitted: f.size, Extras: f.extras, PartialsLeftOut: f.partials})
		}
	}
	slices.SortFunc(cuts, func(a, b Cut) int { return cmp.Compare(a.Index, b.Index) })
	return cuts
}

// Cut says how Encode made one target fit in a body: Index is its
// position in the payload, Size its encoded size and Fitted its size as
// written; Extras names the extra signatures left out of it (each name
// once, the largest value's first) and PartialsLeftOut counts the partial
// results cut from it.
type Cut struct {
	Index, Size, Fitted int
	Extras              []string
	PartialsLeftOut     int
}

// fitting is a target Encode cut to fit in a body: t as written (size
// bytes), its size before (orig), and what was left out of it.
type fitting struct {
	t          signatures.PayloadTarget
	size, orig int
	partials   int      // partial results left out
	extras     []string // names of the extra signatures left out
}

// fitTarget returns nt, a normalised target whose encoding (size bytes)
// exceeds room, cut to fit: its partial results cut (fitPartials), or,
// when that is not enough, its extra signatures left out (fitExtras). ok
// is false when it does not fit even so: its core signatures alone are
// larger than room.
func fitTarget(nt signatures.PayloadTarget, size, room int, sizer *wirejson.Encoder) (f fitting, ok bool) {
	if ft, fs, n, ok := fitPartials(nt, room, sizer); ok {
		return fitting{t: ft, size: fs, orig: size, partials: n}, true
	}
	return fitExtras(nt, size, room, sizer)
}

// fitExtras returns nt (size bytes, more than room even without its
// partial results) with its extra signatures (any value but the core
// fields, signatures.IsCoreField) left out, the largest first, until it
// fits, then its partial results cut as fitPartials cuts them if it still
// does not. A tool's extra that outgrows the body limit after the run
// (no pre-check can weigh it) must not cost the target its every
// signature, nor the payload its other targets. An extra is left out of a
// group only when the group keeps a core value.
func fitExtras(nt signatures.PayloadTarget, size, room int, sizer *wirejson.Encoder) (fitting, bool) {
	type entry struct{ group, value, size int }
	var (
		extras   []entry
		partials int // what the partial results take, commas included
		scratch  []byte
	)
	for j, g := range nt.SignatureValues {
		hasCore := slices.ContainsFunc(g.Values, func(v signatures.Value) bool {
			return signatures.IsCoreField(v.SignatureType) && v.SignatureType != signatures.FieldPartialResults
		})
		for k, v := range g.Values {
			core := signatures.IsCoreField(v.SignatureType)
			if core && v.SignatureType != signatures.FieldPartialResults || !core && !hasCore {
				continue
			}
			vs, s, err := wirejson.ValueSize(v, scratch)
			scratch = s
			if err != nil {
				return fitting{}, false
			}
			if core {
				partials += vs + 1
			} else {
				extras = append(extras, entry{group: j, value: k, size: vs + 1})
			}
		}
	}
	slices.SortStableFunc(extras, func(a, b entry) int { return cmp.Compare(b.size, a.size) })
	left, rest := 0, size
	for left < len(extras) && rest-partials > room {
		rest -= extras[left].size
		left++
	}
	if left == 0 || rest-partials > room {
		return fitting{}, false
	}
	out := make(map[[2]int]bool, left)
	var names []string
	for _, e := range extras[:left] {
		out[[2]int{e.group, e.value}] = true
		if name := nt.SignatureValues[e.group].Values[e.value].SignatureType; !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	groups := make([]signatures.ValueGroup, len(nt.SignatureValues))
	for j, g := range nt.SignatureValues {
		values := make([]signatures.Value, 0, len(g.Values))
		for k, v := range g.Values {
			if !out[[2]int{j, k}] {
				values = append(values, v)
			}
		}
		g.Values = values
		groups[j] = g
	}
	stripped := signatures.PayloadTarget{SignatureTarget: nt.SignatureTarget, SignatureValues: groups}
	fs, err := sizer.TargetSize(stripped)
	if err != nil {
		return fitting{}, false
	}
	f := fitting{t: stripped, size: fs, orig: size, extras: names}
	if fs <= room {
		return f, true
	}
	ft, fs, n, ok := fitPartials(stripped, room, sizer)
	f.t, f.size, f.partials = ft, fs, n
	return f, ok
}
