package transporttest

import (
	"encoding/json"
	"strings"
	"testing"
)

// Body is a callback body as the backend reads it: JSON decoded, signature
// values as encoding/json gives them (numbers float64, lists []any).
type Body struct {
	Phase                string `json:"phase"`
	ExpectationSignature struct {
		Targets []Target `json:"targets"`
	} `json:"expectation_signature"`
}

// Target is one target of a Body.
type Target struct {
	SignatureTarget struct {
		Asset string `json:"asset"`
	} `json:"signature_target"`
	SignatureValues []Group `json:"signature_values"`
}

// Group is the signature values of one expectation type.
type Group struct {
	ExpectationType string `json:"expectation_type"`
	Values          []struct {
		SignatureType  string `json:"signature_type"`
		SignatureValue any    `json:"signature_value"`
	} `json:"values"`
}

// ParseBody decodes raw, failing t when it is not a callback body.
func ParseBody(t testing.TB, raw []byte) Body {
	t.Helper()
	var b Body
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("not a callback body: %v\n%s", err, raw)
	}
	return b
}

// PrintedBody decodes the one body a run with no backend printed on
// stdout (a line), failing t when stdout holds no line or more than one,
// or a line that is not a callback body.
func PrintedBody(t testing.TB, stdout string) Body {
	t.Helper()
	var lines []string
	if printed := strings.TrimSpace(stdout); printed != "" {
		lines = strings.Split(printed, "\n")
	}
	if len(lines) != 1 {
		t.Fatalf("want one body on stdout, got %d lines:\n%s", len(lines), stdout)
	}
	return ParseBody(t, []byte(lines[0]))
}

// Map returns signature type → value of g.
func (g Group) Map() map[string]any {
	out := make(map[string]any, len(g.Values))
	for _, v := range g.Values {
		out[v.SignatureType] = v.SignatureValue
	}
	return out
}

// Values returns signature type → value of target i's group of expectation
// type et, failing t when there is none.
func (b Body) Values(t testing.TB, i int, et string) map[string]any {
	t.Helper()
	if i >= len(b.ExpectationSignature.Targets) {
		t.Fatalf("no target %d in the body", i)
	}
	for _, g := range b.ExpectationSignature.Targets[i].SignatureValues {
		if g.ExpectationType == et {
			return g.Map()
		}
	}
	t.Fatalf("target %d has no %s group", i, et)
	return nil
}
