package openaev

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEscapedMatchesMarshal checks appendEscaped and escapedLen against
// json.Marshal of the same string: a body assembled from escaped pieces
// is the body json.Marshal gives.
func TestEscapedMatchesMarshal(t *testing.T) {
	tests := []string{"", "plain", `{"a":"b\\c"}`, "<nmaprun>&amp;</nmaprun>", "tab\tnl\nnul\x00bell\x07",
		"é ü 中文 🚀", "bad \xff utf8 \xc3", "sep\u2028par\u2029", "\x7f del", `\"\\`}
	for _, s := range tests {
		want, _ := json.Marshal(s)
		got := append(append([]byte{'"'}, appendEscaped(nil, []byte(s))...), '"')
		if string(got) != string(want) {
			t.Errorf("appendEscaped(%q) = %s, want %s", s, got, want)
		}
		if n := escapedLen([]byte(s)); n != len(want)-2 {
			t.Errorf("escapedLen(%q) = %d, want %d", s, n, len(want)-2)
		}
	}
}

func FuzzEscaped(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028", "\xff\xfe", "中"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		got := appendEscaped(nil, []byte(s))
		if string(got) != string(want[1:len(want)-1]) || escapedLen([]byte(s)) != len(got) {
			t.Fatalf("%q: got %s (%d), want %s", s, got, escapedLen([]byte(s)), want)
		}
	})
}

func TestTruncateEscaped(t *testing.T) {
	tests := []struct {
		s   string
		max int
	}{
		{"short", 10}, {strings.Repeat("a", 100), 20}, {strings.Repeat("<", 50), 30}, {strings.Repeat("中", 40), 25},
		{"bad \xff\xff\xff\xff\xff", 12},
	}
	for _, tt := range tests {
		got := truncateEscaped(tt.s, tt.max)
		if n := escapedLenString(got); n > tt.max {
			t.Errorf("truncateEscaped(%q, %d) = %q: %d escaped bytes", tt.s, tt.max, got, n)
		}
		if got != tt.s && !strings.HasSuffix(got, "…") {
			t.Errorf("truncateEscaped(%q, %d) = %q: cut without a mark", tt.s, tt.max, got)
		}
		if utf8.ValidString(tt.s) && !utf8.ValidString(got) {
			t.Errorf("truncateEscaped(%q) cut a rune: %q", tt.s, got)
		}
	}
}

// FuzzRepeatedKey compares repeatedKey, which scans a message in place,
// with a reference reading every object through encoding/json's tokens:
// both find a repeated key (equal but for case) in the same documents.
func FuzzRepeatedKey(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":2}`, `{"a":{"b":[{"c":1},{"c":2,"C ":3}]}}`, `{"x":"\u0061","\u0061":1,"a":2}`,
		`[{"k":1},{"k":1}]`, `{"injection":{"inject_id":"a","inject_content":{"o":"\"}","O":1}}}`, `{"ß":1,"SS":2}`, `{"k":"\\"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if !json.Valid([]byte(doc)) {
			t.Skip()
		}
		where, _, _ := repeatedKey([]byte(doc))
		if want := referenceRepeated(t, doc); (where != "") != want {
			t.Errorf("repeatedKey(%q) = %q, want a repeat %v", doc, where, want)
		}
	})
}

// referenceRepeated reports whether an object of doc holds two keys equal
// under strings.EqualFold, reading doc with encoding/json's tokens.
func referenceRepeated(t *testing.T, doc string) bool {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber() // a number past float64's range is valid JSON all the same
	var value func() bool
	value = func() bool {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("valid JSON %q: %v", doc, err)
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				k, _ := dec.Token()
				key, _ := k.(string)
				for _, seen := range keys {
					if strings.EqualFold(seen, key) {
						return true
					}
				}
				keys = append(keys, key)
				if value() {
					return true
				}
			}
			_, _ = dec.Token() // '}'
		case json.Delim('['):
			for dec.More() {
				if value() {
					return true
				}
			}
			_, _ = dec.Token() // ']'
		}
		return false
	}
	return value()
}

// TestEnvelopeLen checks envelopeLen against the body json.Marshal gives,
// for every field and each kind of character it escapes, and that it
// counts an envelope without encoding one: no allocation for a message of
// plain ASCII.
func TestEnvelopeLen(t *testing.T) {
	long := strings.Repeat("noop: 1 target, success; ", 40)
	tests := []struct {
		name   string
		e      Execution
		allocs bool // checked to allocate nothing
	}{
		{name: "complete", e: Execution{Message: long, Status: StatusSuccess, Action: ActionComplete, Duration: 12}, allocs: true},
		{name: "empty", e: Execution{}},
		{name: "negative duration", e: Execution{Message: "m", Duration: -3}},
		{name: "large duration", e: Execution{Duration: math.MaxInt}},
		{name: "HTML and quotes", e: Execution{Message: `<a href="x">&</a> \ "q"`, Status: "s&s", Action: "a<b>"}},
		{name: "control characters", e: Execution{Message: "a\tb\nc\rd\x00e\x1f\b\f"}},
		{name: "non-ASCII", e: Execution{Message: "héte — 日本 \u2028 \u2029 \ufffd"}},
		{name: "invalid UTF-8", e: Execution{Message: "a\xffb\xc3", Status: "\xe2\x80"}},
		{name: "one context identifier", e: Execution{Message: "t", ContextIdentifiers: []string{"asset-1"}}},
		{name: "context identifiers", e: Execution{ContextIdentifiers: []string{"a<1>", "", "é\x01"}}},
		{name: "empty context identifiers", e: Execution{ContextIdentifiers: []string{}}},
		{name: "structured output", e: Execution{Message: "m", OutputStructured: `{"k":"<v>"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := envelopeLen(tt.e), len(b)-1+len(`,"execution_output_structured":""}`); got != want {
				t.Fatalf("envelopeLen = %d, want %d (body %s)", got, want, b)
			}
			if !tt.allocs {
				return
			}
			if n := testing.AllocsPerRun(100, func() { _ = envelopeLen(tt.e) }); n != 0 {
				t.Errorf("envelopeLen allocated %.0f times, want 0 (counted, not encoded)", n)
			}
		})
	}
}

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

// The one decoding of a value as the platform's processors see it: its
// JSON's first value, numbers kept as written (json.Number), whoever reads
// it (the fit of a finding, a text finding, the findings a rerun leaves
// out, an inject content field). Each case: the Go value, what it decodes
// to, its JSON.
func TestGenericJSON(t *testing.T) {
	for _, c := range [][3]any{
		{uint64(18446744073709551615), json.Number("18446744073709551615"), `18446744073709551615`},
		{[]any{1, "a", nil}, []any{json.Number("1"), "a", nil}, `[1,"a",null]`},
		{map[string]int{"port": 22}, map[string]any{"port": json.Number("22")}, `{"port":22}`},
		{nil, nil, `null`},
	} {
		got, b, err := genericJSON(c[0])
		if err != nil || !reflect.DeepEqual(got, c[1]) || string(b) != c[2] {
			t.Errorf("genericJSON(%v) = %#v, %s, %v; want %#v, %s", c[0], got, b, err, c[1], c[2])
		}
	}
	if _, _, err := genericJSON(make(chan int)); err == nil {
		t.Error("genericJSON of a channel: no error")
	}
	// The first value, as the platform's readValue; nil: malformed.
	for raw, want := range map[string]any{`1.50 trailing`: json.Number("1.50"), `"x"`: "x", `{"a":`: nil} {
		got, err := decodeGeneric([]byte(raw))
		if (err == nil) != (want != nil) || want != nil && !reflect.DeepEqual(got, want) {
			t.Errorf("decodeGeneric(%s) = %#v, %v; want %#v", raw, got, err, want)
		}
	}
}
