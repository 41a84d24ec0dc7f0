package runtime

import (
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
)

// ownOutput returns the runtime's own copy of what Execute returned, taken
// before anything reads it: its ErrorInfo, its maps and, within their
// values, the lists and objects JSON decodes to ([]any, []string,
// map[string]any). Values of other types are kept as they are: the output
// is the runtime's once returned (see framework.Executor). Only the
// output's maps and lists are copied, never the targets; a nil map or
// list stays nil. The per-target extras are keyed by the target each key
// names, as keyOf reads it (see extrasKeys, handedKeys), and so are the
// targets not reached (unreachedKeys) and the targets' own outcomes
// (statusKeys): the copy holds no pointer of the executor's. The targets two keys name with different
// extras are returned (see byTarget).
//
// With r (nil: none), the copy holds none of its secrets, in any form
// httpx.Redact knows (raw, base64, URL- or JSON-escaped…): they are
// replaced by [REDACTED] in the message and in every string, map key
// included; a number whose JSON form holds one is replaced by the string
// [REDACTED]; a value of another type is redacted in its JSON form (see
// redactJSON); booleans and null are kept. Keys of a map[string]any the
// redaction makes alike are all kept: a key holding no secret keeps its
// name, and those holding one are named, in the order of the executor's
// keys, by their redacted form, the first one free of "K", "K (2)", "K
// (3)"…. In a value redacted in its JSON form (a map[string]string, a
// struct) the last of keys made alike is kept, as JSON decoding keeps it.
//
// The copy keeps the output's shape: a map or list found twice (under two
// keys, in two extras) is copied once, both places holding that copy, and
// one that holds itself is copied as a cycle, which JSON cannot encode and
// the runtime leaves out (see unencodable), as it would the executor's.
// The copy is as large as the output's maps and lists, however often they
// are shared, and goes as deep as they do (as deep as JSON encodes them
// after).
func ownOutput(out framework.ToolOutput, redact func(string) string, keyOf func(framework.Target) framework.Target) (framework.ToolOutput, []framework.Target) {
	w := walk{redact: redact}
	if out.ErrorInfo != nil {
		info := *out.ErrorInfo
		info.Message = w.text(info.Message)
		out.ErrorInfo = &info
	}
	out.ExtraSignatures = w.object(out.ExtraSignatures)
	out.Findings = w.object(out.Findings)
	out.ExtraByType = w.typeExtras(out.ExtraByType)
	var twice []framework.Target
	out.TargetExtras, twice = extrasKeys(out.TargetExtras, keyOf, w.typeExtras)
	out.Unreached = unreachedKeys(out.Unreached, keyOf, w.text)
	out.TargetStatus = statusKeys(out.TargetStatus, keyOf)
	out.TargetAddresses = addressKeys(out.TargetAddresses, keyOf)
	return out, twice
}

// walk is one ownOutput: the redactor, and the copies made of the maps
// and lists that hold a list or an object (the only ones that can be
// reached twice at a cost, or hold themselves), by their identity.
type walk struct {
	redact  func(string) string // nil: no secret to redact
	objects map[unsafe.Pointer]map[string]any
	lists   map[listID][]any
}

// listID is a []any's identity: its first element and its length.
type listID struct {
	data *any
	n    int
}

// text returns s with the secrets redacted; s itself without a secret.
func (w *walk) text(s string) string {
	if w.redact == nil {
		return s
	}
	return w.redact(s)
}

func (w *walk) typeExtras(te framework.TypeExtras) framework.TypeExtras {
	if te == nil {
		return nil
	}
	out := make(framework.TypeExtras, len(te))
	for t, m := range te {
		out[t] = w.object(m)
	}
	return out
}

// object returns the copy of m; the copy already made when m was met
// before.
func (w *walk) object(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	id := reflect.ValueOf(m).UnsafePointer()
	if c, ok := w.objects[id]; ok {
		return c
	}
	out := make(map[string]any, len(m))
	kept := false
	var renamed []string // the keys holding a secret
	for k, v := range m {
		if !kept && nests(v) {
			// Kept before its values are walked: one that holds m
			// gets this copy.
			if w.objects == nil {
				w.objects = map[unsafe.Pointer]map[string]any{}
			}
			w.objects[id], kept = out, true
		}
		if w.text(k) != k {
			renamed = append(renamed, k)
			continue
		}
		out[k] = w.value(v)
	}
	// Placed after the keys kept, in the order of the executor's keys, so
	// that two keys redacted alike are both kept, the same way each run.
	slices.Sort(renamed)
	for _, k := range renamed {
		red := w.text(k)
		name := red
		for n := 2; ; n++ {
			if _, taken := out[name]; !taken {
				break
			}
			name = red + " (" + strconv.Itoa(n) + ")"
		}
		out[name] = w.value(m[k])
	}
	return out
}

// list returns the copy of l, as object does m's.
func (w *walk) list(l []any) []any {
	if l == nil {
		return nil
	}
	id := listID{unsafe.SliceData(l), len(l)}
	if c, ok := w.lists[id]; ok {
		return c
	}
	out := make([]any, len(l))
	kept := false
	for i, e := range l {
		if !kept && nests(e) {
			if w.lists == nil {
				w.lists = map[listID][]any{}
			}
			w.lists[id], kept = out, true
		}
		out[i] = w.value(e)
	}
	return out
}

// nests reports whether v is a list or an object that may hold others.
func nests(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

// value returns v copied when it is a list or an object and redacted of
// the secrets (see ownOutput): strings, lists and objects walked, numbers
// checked, booleans and null kept, any other value kept, or redacted in
// its JSON form (redactJSON) with a secret.
func (w *walk) value(v any) any {
	switch x := v.(type) {
	case nil, bool:
		return v
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return w.number(v)
	case string:
		if red := w.text(x); red != x {
			return red
		}
		return v // not boxed again
	case []string:
		if x == nil {
			return x
		}
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = w.text(s)
		}
		return out
	case []any:
		return w.list(x)
	case map[string]any:
		return w.object(x)
	}
	if w.redact == nil {
		return v
	}
	return redactJSON(w.redact, v)
}

// number returns v, a number, as it is, or the string [REDACTED] when its
// JSON form holds a secret (a PIN, a numeric account id given as a Secret
// setting): the number is the secret, or shows it.
func (w *walk) number(v any) any {
	if w.redact == nil {
		return v
	}
	var buf [24]byte
	var b []byte
	switch n := reflect.ValueOf(v); {
	case n.CanInt():
		b = strconv.AppendInt(buf[:0], n.Int(), 10)
	case n.CanUint():
		b = strconv.AppendUint(buf[:0], n.Uint(), 10)
	default:
		var ok bool
		if b, ok = encoded(v); !ok {
			return v // NaN, ±Inf: left out (see unencodable)
		}
	}
	if s := string(b); w.redact(s) != s {
		return httpx.Redacted
	}
	return v
}
