package openaev

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzScrubNUL proves the encoded-form rule: scrubNUL on JSON as
// encoding/json or appendEscaped writes it changes exactly the U+0000 of
// its strings into U+FFFD, keeps the length, and leaves every other byte
// (text reading \u0000 included) as it was; Execution's MarshalJSON does
// so at both levels of a callback, its strings and the document its
// structured output holds.
func FuzzScrubNUL(f *testing.F) {
	for _, s := range []string{"", "\x00", `\u0000`, `\\u0000`, "\\\x00", `\`, "a\x00b" + `\u0000` + "\\\\\x00",
		"\xff\x00", "<\x00>&", "\u2028\x00\u2029", `\\\u0000`, `"\u0000"`} {
		f.Add(s, s)
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, msg, finding string) {
		one, _ := json.Marshal(msg)
		escaped := append(appendEscaped([]byte{'"'}, []byte(msg)), '"')
		if !bytes.Equal(one, escaped) {
			t.Fatalf("appendEscaped %s, json.Marshal %s", escaped, one)
		}
		checkScrubbed(t, one, scrubNUL(bytes.Clone(one)))

		inner, _ := json.Marshal(map[string]string{"f": finding})
		e := Execution{Message: msg, Status: StatusSuccess, Action: ActionComplete, OutputStructured: string(inner)}
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := json.Marshal(execution(e)) // as encoded without MarshalJSON
		if len(body) != len(plain) {
			t.Fatalf("body of %d bytes, was %d", len(body), len(plain))
		}
		var sent, was Execution
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal(plain, &was)
		if want := strings.ReplaceAll(was.Message, "\x00", "\uFFFD"); sent.Message != want {
			t.Fatalf("message %q, want %q", sent.Message, want)
		}
		checkScrubbed(t, []byte(was.OutputStructured), []byte(sent.OutputStructured))
		sent.Message, sent.OutputStructured, was.Message, was.OutputStructured = "", "", "", ""
		if sent.Status != was.Status || sent.Action != was.Action || sent.Duration != was.Duration {
			t.Fatalf("sent %+v, was %+v", sent, was)
		}
		if !bytes.Contains(plain, nulEscape) && !bytes.Equal(body, plain) {
			t.Fatalf("changed without U+0000: %s, was %s", body, plain)
		}
	})
}

// checkScrubbed fails unless got is the JSON text was with each U+0000
// of its strings as U+FFFD, and nothing else changed.
func checkScrubbed(t *testing.T, was, got []byte) {
	t.Helper()
	if len(got) != len(was) {
		t.Fatalf("length %d, was %d: %s", len(got), len(was), got)
	}
	var w, g any
	if err := json.Unmarshal(was, &w); err != nil {
		t.Fatalf("%s: %v", was, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	wantJSON, _ := json.Marshal(withoutNULs(w))
	gotJSON, _ := json.Marshal(g)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Fatalf("decoded %s, want %s (from %s)", gotJSON, wantJSON, was)
	}
	if !bytes.Contains(was, nulEscape) && !bytes.Equal(got, was) {
		t.Fatalf("changed without U+0000: %s, was %s", got, was)
	}
}

// withoutNULs replaces U+0000 by U+FFFD in a decoded JSON value's strings.
func withoutNULs(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "\x00", "\uFFFD")
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[strings.ReplaceAll(k, "\x00", "\uFFFD")] = withoutNULs(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutNULs(e)
		}
		return out
	}
	return v
}
