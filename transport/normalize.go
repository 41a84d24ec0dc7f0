package transport

import (
	"fmt"

	"github.com/injectkit/injectkit/signatures"
)

const validTypes = "unknown expectation type (valid: DETECTION, PREVENTION, VULNERABILITY)"

// normalizeTarget validates one payload target and returns it with exactly
// one value group per expectation type, in first-seen order, each group's
// values in their original order. Its signature_values may arrive grouped
// ({expectation_type, values}), flat ({expectation_type, signature_type,
// signature_value}) or mixed. index is the target's position, used in the
// field path of a *ValidationError. The input is never modified; a target
// that is already normalised is returned as it is.
func normalizeTarget(index int, t signatures.PayloadTarget) (signatures.PayloadTarget, error) {
	if len(t.SignatureValues) == 0 {
		return t, &ValidationError{Field: fmt.Sprintf("targets[%d].signature_values", index), Reason: "no signature values"}
	}
	var seen [3]bool // by typeIndex
	regroup := false
	for j, g := range t.SignatureValues {
		path := func(suffix string) string {
			return fmt.Sprintf("targets[%d].signature_values[%d]%s", index, j, suffix)
		}
		ti := typeIndex(g.ExpectationType)
		if ti < 0 {
			return t, &ValidationError{Field: path(".expectation_type"), Value: string(g.ExpectationType), Reason: validTypes}
		}
		switch {
		case g.Values != nil && (g.SignatureType != "" || g.SignatureValue != nil):
			return t, &ValidationError{Field: path(""), Value: g.SignatureType,
				Reason: "holds both values and a flat signature_type or signature_value"}
		case g.Values != nil:
			if len(g.Values) == 0 {
				return t, &ValidationError{Field: path(".values"), Reason: "empty value group"}
			}
			for k, v := range g.Values {
				if v.SignatureType == "" {
					return t, &ValidationError{Field: path(fmt.Sprintf(".values[%d].signature_type", k)), Reason: "empty signature type"}
				}
			}
		default:
			if g.SignatureType == "" {
				return t, &ValidationError{Field: path(".signature_type"), Reason: "empty signature type"}
			}
			regroup = true
		}
		if seen[ti] {
			regroup = true
		}
		seen[ti] = true
	}
	if !regroup {
		return t, nil
	}
	return signatures.PayloadTarget{SignatureTarget: t.SignatureTarget, SignatureValues: regroupValues(t.SignatureValues)}, nil
}

// regroupValues merges valid groups into one per expectation type. It
// always allocates new value slices, so the caller's are never appended to.
func regroupValues(in []signatures.ValueGroup) []signatures.ValueGroup {
	var pos [3]int // typeIndex -> 1 + index in out
	var counts [3]int
	for _, g := range in {
		n := len(g.Values)
		if g.IsFlat() {
			n = 1
		}
		counts[typeIndex(g.ExpectationType)] += n
	}
	out := make([]signatures.ValueGroup, 0, 3)
	for _, g := range in {
		ti := typeIndex(g.ExpectationType)
		if pos[ti] == 0 {
			out = append(out, signatures.ValueGroup{ExpectationType: g.ExpectationType, Values: make([]signatures.Value, 0, counts[ti])})
			pos[ti] = len(out)
		}
		dst := &out[pos[ti]-1]
		if g.IsFlat() {
			dst.Values = append(dst.Values, signatures.Value{SignatureType: g.SignatureType, SignatureValue: g.SignatureValue})
		} else {
			dst.Values = append(dst.Values, g.Values...)
		}
	}
	return out
}

func typeIndex(t signatures.ExpectationType) int {
	switch t {
	case signatures.Detection:
		return 0
	case signatures.Prevention:
		return 1
	case signatures.Vulnerability:
		return 2
	}
	return -1
}
