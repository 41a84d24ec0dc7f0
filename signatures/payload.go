package signatures

import (
	"fmt"
	"iter"
	"slices"
)

// Payload is the nested expectation-signature document sent to a backend.
type Payload struct {
	Targets []PayloadTarget `json:"targets"`
}

// PayloadTarget is one target's signatures, grouped per expectation type.
type PayloadTarget struct {
	SignatureTarget Attribution  `json:"signature_target"`
	SignatureValues []ValueGroup `json:"signature_values"`
}

// Attribution is the platform metadata a signature belongs to. Empty ids are
// omitted on the wire.
type Attribution struct {
	Agent      string `json:"agent,omitempty"`
	Asset      string `json:"asset,omitempty"`
	AssetGroup string `json:"asset_group,omitempty"`
}

// ValueGroup holds the values of one expectation type. BuildPayload fills
// Values; a group read from outside may instead be a single flat value
// (SignatureType and SignatureValue set, Values empty), which the transport
// normalises into groups.
type ValueGroup struct {
	ExpectationType ExpectationType `json:"expectation_type"`
	Values          []Value         `json:"values,omitempty"`
	SignatureType   string          `json:"signature_type,omitempty"`
	SignatureValue  any             `json:"signature_value,omitempty"`
}

// IsFlat reports whether g is a single flat value rather than a group.
func (g ValueGroup) IsFlat() bool { return g.Values == nil && g.SignatureType != "" }

// Value is one signature value.
type Value struct {
	SignatureType  string `json:"signature_type"`
	SignatureValue any    `json:"signature_value"`
}

// TypeExtras maps an expectation type to the extra signature values for it.
type TypeExtras = map[ExpectationType]map[string]any

// BuildPayload groups post-execution signatures into a payload: one entry per
// signature, its metadata taken from targets (one per signature, or exactly
// one applied to all), and one value group per expectation type holding
// every field of the signature (see Signature.Fields) plus that type's
// extras. targetExtras, when given, holds one entry per signature with
// per-type extras for that target only. Extras are sorted by name after the
// core fields; on a name clash a target extra wins over a type extra, which
// wins over the signature's own extra. An extras key that is no known
// expectation type, or an extra key ExtrasErrors refuses, is a
// *ValidationError naming it.
func BuildPayload(post []Signature, targets []Attribution, types []ExpectationType, extras TypeExtras, targetExtras ...TypeExtras) (Payload, error) {
	if err := checkPayloadArgs(len(post), len(targets), types, extras, targetExtras); err != nil {
		return Payload{}, err
	}
	b := newPayloadBuilder(post, targets, types, extras, targetExtras)
	p := Payload{Targets: make([]PayloadTarget, len(post))}
	for i := range post {
		p.Targets[i] = b.build(i, false)
	}
	return p, nil
}

// PayloadTargets checks its arguments as BuildPayload does and returns the
// same targets as a sequence, built one at a time, so that a large payload
// can be encoded and sent without being held in memory whole. The yielded
// PayloadTarget reuses its buffers on the next iteration, and the values
// it shares with the next target (all but that target's own) stay in
// place for it: use it (encode it) before asking for the next one, and
// neither keep nor change it.
func PayloadTargets(post []Signature, targets []Attribution, types []ExpectationType, extras TypeExtras, targetExtras ...TypeExtras) (iter.Seq2[int, PayloadTarget], error) {
	if err := checkPayloadArgs(len(post), len(targets), types, extras, targetExtras); err != nil {
		return nil, err
	}
	return func(yield func(int, PayloadTarget) bool) {
		b := newPayloadBuilder(post, targets, types, extras, targetExtras)
		for i := range post {
			if !yield(i, b.build(i, true)) {
				return
			}
		}
	}, nil
}

// payloadBuilder turns one signature at a time into a payload target:
// sig(i) is signature i, target(i) its metadata.
type payloadBuilder struct {
	sig          func(i int) *Signature
	target       func(i int) Attribution
	types        []ExpectationType
	extras       TypeExtras
	targetExtras []TypeExtras

	scratch []Field
	boxes   boxCache
	vals    []Value      // reused values (streaming)
	groups  []ValueGroup // reused groups (streaming)
}

// newPayloadBuilder builds the targets of post, their metadata in targets
// (one per signature, or exactly one applied to all).
func newPayloadBuilder(post []Signature, targets []Attribution, types []ExpectationType, extras TypeExtras, targetExtras []TypeExtras) payloadBuilder {
	target := func(int) Attribution { return targets[0] }
	if len(targets) > 1 {
		target = func(i int) Attribution { return targets[i] }
	}
	return payloadBuilder{sig: func(i int) *Signature { return &post[i] }, target: target,
		types: types, extras: extras, targetExtras: targetExtras}
}

// build builds target i. With reuse, the result shares the builder's
// buffers; without, it owns fresh slices.
func (b *payloadBuilder) build(i int, reuse bool) PayloadTarget {
	s := b.sig(i)
	t := b.target(i)
	var te TypeExtras
	if len(b.targetExtras) > 0 {
		te = b.targetExtras[i]
	}
	extras, own := b.extras, s.Extra
	if s.NotReached != "" {
		// Nothing went to the target: no extra either (a
		// parent_process_name would still match an alert).
		te, extras, own = nil, nil, nil
	}
	b.scratch = s.appendCoreBoxed(b.scratch[:0], &b.boxes)
	var groups []ValueGroup
	if reuse {
		groups = slices.Grow(b.groups[:0], len(b.types))[:len(b.types)]
		b.groups = groups
		b.vals = b.vals[:0]
	} else {
		groups = make([]ValueGroup, len(b.types))
	}
	var shared []Value
	for j, et := range b.types {
		plain := len(extras[et]) == 0 && len(te[et]) == 0
		var vals []Value
		if plain && shared != nil {
			vals = shared // identical for every type: share one slice
		} else {
			merged := mergeExtras(own, extras[et], te[et])
			n := len(b.scratch) + len(merged)
			if reuse {
				from := len(b.vals)
				b.vals = slices.Grow(b.vals, n)
				vals = b.vals[from : from : from+n]
			} else {
				vals = make([]Value, 0, n)
			}
			for _, f := range b.scratch {
				vals = append(vals, Value{f.Name, f.Value})
			}
			for _, f := range appendSorted(nil, merged) {
				vals = append(vals, Value{f.Name, f.Value})
			}
			if reuse {
				b.vals = b.vals[:len(b.vals)+len(vals)]
			}
			if plain {
				shared = vals
			}
		}
		groups[j] = ValueGroup{ExpectationType: et, Values: vals}
	}
	return PayloadTarget{SignatureTarget: t, SignatureValues: groups}
}

func checkPayloadArgs(n, targets int, types []ExpectationType, extras TypeExtras, targetExtras []TypeExtras) error {
	if targets != 1 && targets != n {
		return &ValidationError{Field: "targets", Value: fmt.Sprint(targets),
			Reason: fmt.Sprintf("want 1 target or one per signature (%d)", n)}
	}
	if len(targetExtras) > 0 && len(targetExtras) != n {
		return &ValidationError{Field: "target_extras", Value: fmt.Sprint(len(targetExtras)),
			Reason: fmt.Sprintf("want one entry per signature (%d)", n)}
	}
	if len(types) == 0 {
		return &ValidationError{Field: "expectation_types", Reason: "at least one expectation type is required"}
	}
	seen := map[ExpectationType]bool{}
	for i, t := range types {
		if !t.Valid() {
			return &ValidationError{Field: fmt.Sprintf("expectation_types[%d]", i), Value: string(t),
				Reason: "unknown expectation type (valid: DETECTION, PREVENTION, VULNERABILITY)"}
		}
		if seen[t] {
			return &ValidationError{Field: fmt.Sprintf("expectation_types[%d]", i), Value: string(t), Reason: "duplicate expectation type"}
		}
		seen[t] = true
	}
	check := func(field string, m map[string]any) error {
		for k, reason := range ExtrasErrors(m) {
			return &ValidationError{Field: field, Value: k, Reason: "extra key: " + reason}
		}
		return nil
	}
	unknownType := func(field string, t ExpectationType) error {
		const reason = "unknown expectation type of extras (valid: DETECTION, PREVENTION, VULNERABILITY)"
		if t == "" {
			// An empty Value is not quoted: the reason names the key.
			return &ValidationError{Field: field, Reason: `key "": ` + reason}
		}
		return &ValidationError{Field: field, Value: string(t), Reason: reason}
	}
	for t, m := range extras {
		if !t.Valid() {
			return unknownType("extras", t)
		}
		if err := check("extras."+string(t), m); err != nil {
			return err
		}
	}
	for i, te := range targetExtras {
		for t, m := range te {
			if !t.Valid() {
				return unknownType(fmt.Sprintf("target_extras[%d]", i), t)
			}
			if err := check(fmt.Sprintf("target_extras[%d].%s", i, t), m); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeExtras returns the union of the maps, later ones winning; it returns
// the only non-empty map as it is.
func mergeExtras(ms ...map[string]any) map[string]any {
	var only map[string]any
	n := 0
	for _, m := range ms {
		if len(m) > 0 {
			only = m
			n++
		}
	}
	if n <= 1 {
		return only
	}
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
