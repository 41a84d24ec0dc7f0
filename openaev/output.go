package openaev

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// platformNames maps the core signature fields to the platform's signature
// types. Names not listed pass unchanged.
var platformNames = map[string]string{
	signatures.FieldSourceIPv4:     string(signatures.SourceIPv4Address),
	signatures.FieldSourceIPv6:     string(signatures.SourceIPv6Address),
	signatures.FieldTargetIPv4:     string(signatures.TargetIPv4Address),
	signatures.FieldTargetIPv6:     string(signatures.TargetIPv6Address),
	signatures.FieldTargetHostname: string(signatures.TargetHostnameAddress),
	signatures.FieldStartTime:      string(signatures.StartDate),
	signatures.FieldEndTime:        string(signatures.EndDate),
}

// PlatformSignatureType returns the platform's name of a signature field.
func PlatformSignatureType(name string) string {
	if n, ok := platformNames[name]; ok {
		return n
	}
	return name
}

// sentTypes are the expectation types whose groups the profile sends.
var sentTypes = map[signatures.ExpectationType]bool{signatures.Detection: true, signatures.Prevention: true}

// PlatformSignatures converts a payload to the platform's shape: signature
// types renamed (PlatformSignatureType), values kept only when they are
// scalars (strings as they are, numbers and booleans formatted; lists,
// objects and nulls dropped), source addresses dropped when unknown, only
// DETECTION and PREVENTION groups kept, and only targets that name an
// agent, an asset or an asset group (the platform attaches signatures to
// those). Targets or groups left empty are dropped. The result is never
// nil.
func PlatformSignatures(p signatures.Payload) signatures.Payload {
	out := signatures.Payload{Targets: []signatures.PayloadTarget{}}
	for _, t := range p.Targets {
		if pt, ok := platformTarget(t); ok {
			out.Targets = append(out.Targets, pt)
		}
	}
	return out
}

// platformTarget converts one payload target (see PlatformSignatures); it
// reports false for a target with nothing left to send. The result shares
// no memory with t.
func platformTarget(t signatures.PayloadTarget) (signatures.PayloadTarget, bool) {
	if t.SignatureTarget == (signatures.Target{}) {
		return signatures.PayloadTarget{}, false
	}
	var groups []signatures.ValueGroup
	for _, g := range t.SignatureValues {
		if !sentTypes[g.ExpectationType] {
			continue
		}
		vals := make([]signatures.Value, 0, len(g.Values)+1)
		add := func(name string, v any) {
			s, ok := scalar(v)
			if !ok || s == "" {
				return
			}
			if (name == signatures.FieldSourceIPv4 || name == signatures.FieldSourceIPv6) && s == signatures.UnknownSourceIP {
				return
			}
			var val any = s
			if _, isString := v.(string); isString {
				val = v // already a string: no new allocation
			}
			vals = append(vals, signatures.Value{SignatureType: PlatformSignatureType(name), SignatureValue: val})
		}
		if g.IsFlat() {
			add(g.SignatureType, g.SignatureValue)
		}
		for _, v := range g.Values {
			add(v.SignatureType, v.SignatureValue)
		}
		if len(vals) > 0 {
			groups = append(groups, signatures.ValueGroup{ExpectationType: g.ExpectationType, Values: vals})
		}
	}
	if len(groups) == 0 {
		return signatures.PayloadTarget{}, false
	}
	return signatures.PayloadTarget{SignatureTarget: t.SignatureTarget, SignatureValues: groups}, true
}

// scalar renders a scalar signature value as a string.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case signatures.ExecutionStatus:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// StructuredOutput returns the execution_output_structured document of a
// report: the Findings keys the manifest declares as outputs (every key when
// it declares none) plus expectation_signatures, the report's payload in the
// platform's shape.
func StructuredOutput(r *framework.Report, m *framework.Manifest) (string, error) {
	doc := map[string]any{}
	declared := outputFields(m)
	for k, v := range r.Output.Findings {
		if len(declared) == 0 || declared[k] {
			doc[k] = v
		}
	}
	sig := signatures.Payload{Targets: []signatures.PayloadTarget{}}
	for _, t := range r.PayloadTargets() {
		if pt, ok := platformTarget(t); ok {
			sig.Targets = append(sig.Targets, pt)
		}
	}
	doc[FieldExpectationSignatures] = sig
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // raw tool output (XML) stays readable
	if err := enc.Encode(doc); err != nil {
		return "", fmt.Errorf("structured output: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
