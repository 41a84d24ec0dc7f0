package runtime

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
)

// same reports whether a and b are the same map or list.
func same(a, b any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// ownOutput keeps the output's shape: a map or a list met twice is copied
// once, both places holding the copy, a map or a list holding itself is
// copied as one that holds itself, never the executor's; nil lists stay
// nil; with or without a secret.
func TestOwnOutputKeepsShape(t *testing.T) {
	for _, r := range []*httpx.Redactor{nil, httpx.NewRedactor("TopSecretValue42")} {
		loop := map[string]any{}
		loop["a"], loop["b"] = loop, loop
		list := make([]any, 2)
		list[0], list[1] = list, loop
		leaf := map[string]any{"s": "TopSecretValue42"}
		shared := map[string]any{"x": leaf, "y": leaf}
		findings := map[string]any{"loop": loop, "list": list, "shared": shared, "again": shared,
			"nil list": []any(nil), "nil strings": []string(nil), "nil map": map[string]any(nil)}
		out, _ := ownOutput(framework.ToolOutput{Findings: findings, ExtraSignatures: map[string]any{"shared": shared}}, outputRedaction(r, nil), framework.Target.ExtrasKey)
		f := out.Findings
		cl, cs := f["loop"].(map[string]any), f["shared"].(map[string]any)
		checks := map[string]bool{
			"loop copied":               !same(cl, loop),
			"loop holds itself":         same(cl["a"], cl) && same(cl["b"], cl),
			"list copied":               !same(f["list"], list),
			"list holds itself":         same(f["list"].([]any)[0], f["list"]) && same(f["list"].([]any)[1], cl),
			"shared copied":             !same(cs, shared),
			"shared copied once":        same(f["again"], cs) && same(out.ExtraSignatures["shared"], cs),
			"nil list kept nil":         f["nil list"].([]any) == nil,
			"nil strings kept nil":      f["nil strings"].([]string) == nil,
			"nil map kept nil":          f["nil map"].(map[string]any) == nil,
			"leaf copied":               !same(cs["x"], leaf),
			"leaf redacted, or not":     cs["x"].(map[string]any)["s"] == map[bool]string{true: "TopSecretValue42", false: httpx.Redacted}[r == nil],
			"executor's leaf unchanged": leaf["s"] == "TopSecretValue42",
		}
		for what, ok := range checks {
			if !ok {
				t.Errorf("secret %v: not %s", r != nil, what)
			}
		}
	}
}

// A chain of maps each holding the next twice, in a map and in a list,
// costs a few allocations a link to copy, not one a path through it.
func TestOwnOutputCopiesSharedOnce(t *testing.T) {
	const links = 200
	dag := map[string]any{"s": "TopSecretValue42"}
	for range links {
		dag = map[string]any{"a": dag, "b": []any{dag, dag}}
	}
	for _, r := range []*httpx.Redactor{nil, httpx.NewRedactor("TopSecretValue42")} {
		allocs := testing.AllocsPerRun(3, func() {
			ownOutput(framework.ToolOutput{Findings: map[string]any{"dag": dag}}, outputRedaction(r, nil), framework.Target.ExtrasKey)
		})
		if allocs > 6*links {
			t.Errorf("secret %v: %.0f allocations for %d links", r != nil, allocs, links)
		}
	}
}

// With a secret, a number showing it is redacted (its JSON form, as sent),
// and keys the redaction makes alike are all kept, named the same way
// each run, a key holding no secret keeping its name.
func TestOwnOutputRedactsNumbersAndKeepsKeys(t *testing.T) {
	r := httpx.NewRedactor("12345678", "424242", "OtherSecretValue")
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"numbers", map[string]any{"pin": 424242, "account": uint64(12345678), "float": 12345678.0, "big": int64(9912345678),
			"other": 42, "ratio": 0.5, "flag": true, "none": nil},
			map[string]any{"pin": httpx.Redacted, "account": httpx.Redacted, "float": httpx.Redacted, "big": httpx.Redacted,
				"other": 42, "ratio": 0.5, "flag": true, "none": nil}},
		{"keys alike", map[string]any{"id 12345678": "a", "id OtherSecretValue": "b", "id [REDACTED]": "c", "id [REDACTED] (2)": "d"},
			map[string]any{"id [REDACTED]": "c", "id [REDACTED] (2)": "d", "id [REDACTED] (3)": "a", "id [REDACTED] (4)": "b"}},
		{"keys in a list", map[string]any{"l": []any{map[string]any{"12345678": 1, "OtherSecretValue": 2}}},
			map[string]any{"l": []any{map[string]any{"[REDACTED]": 1, "[REDACTED] (2)": 2}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 5 { // the same each time, whatever the map's order
				if got, _ := ownOutput(framework.ToolOutput{Findings: tt.in}, outputRedaction(r, nil), framework.Target.ExtrasKey); !reflect.DeepEqual(got.Findings, tt.want) {
					t.Fatalf("got %v\nwant %v", got.Findings, tt.want)
				}
			}
		})
	}
}
