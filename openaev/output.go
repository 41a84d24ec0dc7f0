package openaev

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/findingrow"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Structured is the execution_output_structured document of a report.
type Structured struct {
	// JSON is the document.
	JSON string
	// DroppedExtras names, sorted, the signature extras left out of the
	// signatures because the collectors' enum lacks them (the per-target
	// trace of a target with an asset shows them).
	DroppedExtras []string
	// LeftOut describes each finding value left out because it does not
	// fit its output's type (see fitOutput), or the platform would store
	// it blank (blankFinding): "open_ports item 0: port 22/tcp is not an
	// integer".
	LeftOut []string
}

// StructuredOutput returns the execution_output_structured document of a
// report for a platform of version v: the Findings keys the manifest
// declares as outputs (every key when it declares none) and, when its
// contract declares them (signaturesDeclared: on the Current line),
// expectation_signatures, the report's payload in the platform's shape
// (see platformSignaturesOf). On an older platform there
// are no signatures, no action_output (a tool's raw output, which it would
// store as a finding), and a finding of another output type it does not
// know (see ContractOutputType) is sent as the text its contract declares:
// a string as it is, a list of scalars joined with ", ", anything else as
// JSON; an empty one is left out. On every version a finding that is
// JSON null (nil, a nil slice: the platform drops the callback of a null
// cve, portscan or address output, and shows a text one as "null") is
// left out, so is a value that does not fit its output's type, item by
// item for a multiple output's list (fitOutput: the platform would drop
// the whole callback, or on Current a stricter one could), and one the
// platform would store blank (blankFinding: it would lose the whole batch),
// and a text finding longer than FindingValueRoom (of the
// report's inject and the output's field) is truncated, with a note of its
// length.
func StructuredOutput(r *runtime.Report, m *framework.Manifest, v PlatformVersion) (Structured, error) {
	doc, misfits, err := findingsDoc(r, m, v)
	if err != nil {
		return Structured{}, err
	}
	var out Structured
	for _, mf := range misfits {
		out.LeftOut = append(out.LeftOut, mf.String())
	}
	if signaturesDeclared(m, v) {
		sig := signatures.Payload{Targets: []signatures.PayloadTarget{}}
		var drops map[string]bool
		for _, t := range r.PayloadTargets() {
			if pt, ok := platformTarget(t, sentTypes, &drops, r.Indirect); ok {
				sig.Targets = append(sig.Targets, pt)
			}
		}
		doc[FieldExpectationSignatures] = sig
		out.DroppedExtras = sortedKeys(drops)
	} else {
		delete(doc, FieldExpectationSignatures)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // raw tool output (XML) stays readable
	if err := enc.Encode(doc); err != nil {
		return Structured{}, fmt.Errorf("structured output: %w", err)
	}
	out.JSON = strings.TrimSuffix(b.String(), "\n")
	if strings.Contains(out.JSON, `\u0000`) {
		out.JSON = string(scrubNUL([]byte(out.JSON)))
	}
	return out, nil
}

// findingsDoc returns the findings the structured output of r carries
// for a platform of version v (see StructuredOutput), without signatures,
// and the values it leaves out as not fitting their output's type, sorted
// by field.
func findingsDoc(r *runtime.Report, m *framework.Manifest, v PlatformVersion) (map[string]any, []misfit, error) {
	doc := map[string]any{}
	var misfits []misfit
	declared := outputFields(m)
	multiple := map[string]bool{}
	if m != nil {
		for _, o := range m.Outputs {
			multiple[o.Field] = o.Multiple
		}
	}
	for k, val := range r.Output.Findings {
		if nullFinding(val) {
			continue // a JSON null: a cve, portscan or address output fails on it, a text one is a finding "null"
		}
		if len(declared) == 0 {
			doc[k] = val
			continue
		}
		typ, ok := declared[k]
		if !ok {
			continue
		}
		switch ContractOutputType(typ, v) {
		case "":
			continue // not declared on v
		case typ:
			if typ == OutputText {
				val = boundText(textWithoutNUL(val), multiple[k], FindingValueRoom(r.InjectID, k))
			}
			fit, mf, ok := fitOutput(k, typ, multiple[k], val, v)
			misfits = append(misfits, mf...)
			if ok {
				doc[k] = fit
			}
			continue
		}
		text, err := textValue(val)
		if err != nil {
			return nil, nil, fmt.Errorf("structured output: %s as text: %w", k, err)
		}
		if text == "" {
			continue
		}
		if mf, blank := blankFinding(k, -1, OutputText, text); blank {
			misfits = append(misfits, mf)
			continue
		}
		doc[k] = truncateFinding(withoutNUL(text), FindingValueRoom(r.InjectID, k))
	}
	slices.SortStableFunc(misfits, func(a, b misfit) int { return strings.Compare(a.field, b.field) })
	return doc, misfits, nil
}

// nullFinding reports a finding that encodes as JSON null: nil, or a nil
// slice, map or pointer (a Go injector's list that found nothing).
func nullFinding(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// textValue renders a finding as the text an older platform gets: a
// string as it is, a list of scalars joined with ", ", anything else as
// compact JSON.
func textValue(v any) (string, error) {
	generic, b, err := genericJSON(v)
	if err != nil {
		return "", err
	}
	switch x := generic.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, item := range x {
			s, ok := scalar(item)
			if !ok {
				return string(b), nil
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ", "), nil
	}
	if s, ok := scalar(generic); ok {
		return s, nil
	}
	return string(b), nil
}

// MaxFindingRow is the longest row, in bytes, of the platform's findings
// index: its table's unique index holds each finding (finding_inject_id,
// finding_type, finding_value, finding_field), and PostgreSQL refuses an
// index row over 2704 bytes, the whole row: the insert fails and rolls the
// whole callback back (the inject stays pending). See FindingValueRoom.
const MaxFindingRow = findingrow.MaxRow

// FindingValueRoom returns the longest text finding value, in bytes, the
// profile sends for output field of inject injectID: what the row limit
// leaves once the inject id, the type Text, the field, the columns'
// headers and their alignment are counted (2646 - len(field) for a UUID
// inject id: the room of both column orders the findings migrations have
// given the index, V3_81's and V3_95's, whatever the platform's version). PostgreSQL
// measures the row after compression, this the raw value, which
// incompressible text (hex, base64, hashes) keeps.
func FindingValueRoom(injectID, field string) int {
	return findingrow.ValueRoom(injectID, findingrow.TypeName(OutputText), field)
}

// boundText bounds the finding values of a text output to room bytes
// (see truncateFinding): each item of a list when the output is multiple (one
// finding per item), else the whole value, a list being one finding of
// its items joined with spaces (the platform's buildString). A value that
// fits, or that is not text, is returned as it is.
func boundText(v any, multiple bool, room int) any {
	switch x := v.(type) {
	case string:
		if len(x) > room {
			return truncateFinding(x, room)
		}
	case []string:
		if !multiple {
			if joined := strings.Join(x, " "); len(joined) > room {
				return truncateFinding(joined, room)
			}
			return v
		}
		var out []string
		for i, s := range x {
			if len(s) > room {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = truncateFinding(s, room)
			}
		}
		if out != nil {
			return out
		}
	case []any:
		strs := make([]string, 0, len(x))
		for _, item := range x {
			s, ok := item.(string)
			if !ok {
				return v // not a list of text
			}
			strs = append(strs, s)
		}
		b := boundText(strs, multiple, room)
		if bs, isList := b.([]string); !isList || !slices.Equal(bs, strs) {
			return b
		}
	}
	return v
}

// truncateFinding cuts a text finding to room bytes at a character
// boundary, ending with a note of its full length (without the note when
// room cannot hold it).
func truncateFinding(s string, room int) string {
	if len(s) <= room {
		return s
	}
	note := fmt.Sprintf(" … [truncated: %d bytes in all]", len(s))
	if len(note) >= room {
		note = ""
	}
	cut := max(room-len(note), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + note
}
