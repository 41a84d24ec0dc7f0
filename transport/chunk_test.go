package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// checkChunks asserts the chunking contract on bodies made from p.
func checkChunks(t *testing.T, bodies [][]byte, p signatures.Payload, max int) {
	t.Helper()
	var union []json.RawMessage
	for i, b := range bodies {
		if len(b) > max {
			t.Errorf("body %d: %d bytes > %d", i, len(b), max)
		}
		w := decodeBody(t, b)
		slices.Sort(w.keys)
		if want := []string{"chunk_index", "expectation_signature", "phase", "total_chunks"}; !slices.Equal(w.keys, want) {
			t.Errorf("body %d: top-level keys %v, want %v", i, w.keys, want)
		}
		if w.Index == nil || *w.Index != i {
			t.Errorf("body %d: chunk_index = %v", i, w.Index)
		}
		if w.Total == nil || *w.Total != len(bodies) {
			t.Errorf("body %d: total_chunks = %v, want %d", i, w.Total, len(bodies))
		}
		if len(w.Targets) == 0 {
			t.Errorf("body %d holds no target", i)
		}
		union = append(union, w.Targets...)
	}
	if len(union) != len(p.Targets) {
		t.Fatalf("chunks hold %d targets, payload has %d", len(union), len(p.Targets))
	}
	for i, raw := range union {
		want, err := json.Marshal(p.Targets[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, want) {
			t.Fatalf("target %d =\n%s\nwant\n%s", i, raw, want)
		}
	}
}

func TestBodiesChunked(t *testing.T) {
	p := payloadOf(300)
	one, err := Bodies("inj", "post", p, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 {
		t.Fatalf("%d bodies under a large limit, want 1", len(one))
	}
	for _, max := range []int{len(one[0]) / 2, len(one[0]) / 3, len(one[0]) / 11, len(one[0]) / 40, len(one[0]) - 1} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			bodies, err := Bodies("inj", "post", p, max)
			if err != nil {
				t.Fatal(err)
			}
			if len(bodies) < 2 {
				t.Fatalf("%d bodies for a payload of %d bytes over a limit of %d", len(bodies), len(one[0]), max)
			}
			checkChunks(t, bodies, p, max)
		})
	}
}

func TestBodiesSingle(t *testing.T) {
	p := payloadOf(3)
	bodies, err := Bodies("inj", "pre", p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 {
		t.Fatalf("%d bodies, want 1", len(bodies))
	}
	w := decodeBody(t, bodies[0])
	slices.Sort(w.keys)
	if want := []string{"expectation_signature", "phase"}; !slices.Equal(w.keys, want) {
		t.Errorf("top-level keys %v, want %v", w.keys, want)
	}
	if !bytes.HasPrefix(bodies[0], []byte(`{"phase":"pre","expectation_signature":{"targets":[{`)) {
		t.Errorf("body starts %.60s", bodies[0])
	}
	// Exactly the limit still fits in one body; one byte less does not.
	exact, err := Bodies("inj", "pre", p, len(bodies[0]))
	if err != nil || len(exact) != 1 || !bytes.Equal(exact[0], bodies[0]) {
		t.Errorf("at the exact limit: %d bodies, %v", len(exact), err)
	}
	split, err := Bodies("inj", "pre", p, len(bodies[0])-1)
	if err != nil || len(split) < 2 {
		t.Errorf("one byte under: %d bodies, %v", len(split), err)
	}
}

func TestBodiesEmptyPayload(t *testing.T) {
	for _, p := range []signatures.Payload{{}, {Targets: []signatures.PayloadTarget{}}} {
		bodies, err := Bodies("inj", "pre", p, 0)
		if err != nil {
			t.Fatal(err)
		}
		const want = `{"phase":"pre","expectation_signature":{"targets":[]}}`
		if len(bodies) != 1 || string(bodies[0]) != want {
			t.Errorf("bodies = %q, want [%s]", bodies, want)
		}
	}
}

func TestBodiesTargetTooLarge(t *testing.T) {
	p := payloadOf(5)
	big := netTarget(99, signatures.Detection)
	// A core value that large fits in no body: an extra would be left
	// out instead (TestEncodeExtrasLeftOut).
	big.SignatureValues[0].Values = append(slices.Clone(big.SignatureValues[0].Values),
		signatures.Value{SignatureType: signatures.FieldQuery, SignatureValue: strings.Repeat("x", 5000)})
	p.Targets[3] = big
	_, err := Bodies("inj", "post", p, 4096)
	var tl *TargetTooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, ErrTargetTooLarge) {
		t.Fatalf("error = %v, want a *TargetTooLargeError", err)
	}
	if tl.Index != 3 || tl.Max != 4096 || tl.Size <= 5000 {
		t.Errorf("error = %+v", tl)
	}
	if !strings.Contains(err.Error(), "targets[3]") {
		t.Errorf("message %q does not name the target", err)
	}
}

// A target too large for any body only for its extra signatures is sent
// without the largest of them, its core values and the extras that fit
// kept, and ExtrasLeftOut names it; the other targets are sent as they
// are.
func TestEncodeExtrasLeftOut(t *testing.T) {
	const limit = 4096
	extra := func(name string, n int) signatures.Value {
		return signatures.Value{SignatureType: name, SignatureValue: strings.Repeat("x", n)}
	}
	tests := []struct {
		name   string
		extras []signatures.Value
		out    []string // left out
	}{
		{"one large extra", []signatures.Value{extra("small", 10), extra("blob", 5000)}, []string{"blob"}},
		{"the largest first", []signatures.Value{extra("a", 1500), extra("b", 2500), extra("c", 2000)}, []string{"b", "c"}},
		{"many that fit alone, not together", []signatures.Value{extra("a", 1200), extra("b", 1200), extra("c", 1200), extra("d", 1200)}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := payloadOf(5)
			big := netTarget(99, signatures.Detection)
			big.SignatureValues[0].Values = append(slices.Clone(big.SignatureValues[0].Values), tt.extras...)
			p.Targets[3] = big
			enc, err := Encode("inj", "post", slices.All(p.Targets), limit)
			if err != nil {
				t.Fatal(err)
			}
			cuts := enc.ExtrasLeftOut()
			if len(cuts) != 1 || cuts[0].Index != 3 || !slices.Equal(cuts[0].Extras, tt.out) || cuts[0].Fitted > limit || cuts[0].Size <= limit {
				t.Fatalf("ExtrasLeftOut = %+v, want target 3 without %v", cuts, tt.out)
			}
			bodies, err := Bodies("inj", "post", p, limit)
			if err != nil {
				t.Fatal(err)
			}
			var sent []signatures.PayloadTarget
			for _, b := range bodies {
				if len(b) > limit {
					t.Errorf("a body of %d bytes", len(b))
				}
				var body struct {
					Sig signatures.Payload `json:"expectation_signature"`
				}
				if err := json.Unmarshal(b, &body); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, body.Sig.Targets...)
			}
			if len(sent) != len(p.Targets) {
				t.Fatalf("%d targets sent, want %d", len(sent), len(p.Targets))
			}
			var kept []string
			for _, v := range sent[3].SignatureValues[0].Values {
				kept = append(kept, v.SignatureType)
			}
			var want []string
			for _, v := range big.SignatureValues[0].Values {
				if !slices.Contains(tt.out, v.SignatureType) {
					want = append(want, v.SignatureType)
				}
			}
			if !slices.Equal(kept, want) {
				t.Errorf("target 3 sent with %v, want %v", kept, want)
			}
		})
	}
}

func TestBodiesValidation(t *testing.T) {
	ch := make(chan int)
	tests := []struct {
		name, id, phase string
		max             int
		p               signatures.Payload
		field           string
	}{
		{"empty inject id", "", "pre", 0, payloadOf(1), "inject_id"},
		{"blank inject id", "  ", "pre", 0, payloadOf(1), "inject_id"},
		{"empty phase", "inj", "", 0, payloadOf(1), "phase"},
		{"control character in inject id", "inj\x01", "pre", 0, payloadOf(1), "inject_id"},
		{"inject id too long", strings.Repeat("i", 257), "pre", 0, payloadOf(1), "inject_id"},
		{"line break in phase", "inj", "a\nb", 0, payloadOf(1), "phase"},
		{"limit below one minimal target", "inj", "pre", 100, payloadOf(1), "max_payload_size"},
		{"negative limit", "inj", "pre", -1, payloadOf(1), "max_payload_size"},
		{"limit below envelope", "inj", "pre", 20, payloadOf(1), "max_payload_size"},
		{"bad target", "inj", "pre", 0, signatures.Payload{Targets: []signatures.PayloadTarget{netTarget(0, signatures.Detection), {}}}, "targets[1].signature_values"},
		{"unencodable value", "inj", "pre", 0, signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureValues: []signatures.ValueGroup{
			flat(signatures.Detection, "a", 1), flat(signatures.Detection, "b", ch)}}}}, "targets[0].signature_values[1].signature_value"},
		{"unencodable grouped value", "inj", "pre", 0, signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureValues: []signatures.ValueGroup{
			group(signatures.Vulnerability, "a", 1, "b", func() {})}}}}, "targets[0].signature_values[0].values[1].signature_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bodies(tt.id, tt.phase, tt.p, tt.max)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", ve.Field, tt.field, err)
			}
		})
	}
}

// The streaming path (AppendTarget, Chunker.Plan, Chunker.Bodies) writes
// the same bytes as Bodies.
func TestChunkerStreamingMatchesBodies(t *testing.T) {
	p := payloadOf(250)
	p.Targets[7].SignatureValues = []signatures.ValueGroup{flat(signatures.Prevention, "a", "1"), flat(signatures.Detection, "b", 2), flat(signatures.Prevention, "c", true)}
	for _, max := range []int{0, 3000, 1500} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			want, err := Bodies("inj", "post", p, max)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewChunker("post", max)
			if err != nil {
				t.Fatal(err)
			}
			encoded := func(yield func([]byte) bool) {
				for i, tg := range p.Targets {
					b, err := AppendTarget(nil, i, tg)
					if err != nil {
						t.Fatal(err)
					}
					if !yield(b) {
						return
					}
				}
			}
			plan, err := c.Plan(func(yield func(int) bool) {
				for b := range encoded {
					if !yield(len(b)) {
						return
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			var got [][]byte
			for body, err := range c.Bodies(plan, encoded) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, body)
			}
			if len(got) != len(want) {
				t.Fatalf("%d bodies, want %d", len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("body %d differs:\n%s\n%s", i, got[i], want[i])
				}
				if plan.Size(i) != len(got[i]) {
					t.Errorf("plan size %d, body %d bytes", plan.Size(i), len(got[i]))
				}
			}
		})
	}
}

func TestChunkerBodiesMismatch(t *testing.T) {
	c, err := NewChunker("post", 100)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.Plan(slices.Values([]int{10, 10, 10}))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][][]byte{
		"fewer":     {[]byte("{1234567}"), []byte("{1234567}")},
		"more":      {[]byte("{1234567}"), []byte("{1234567}"), []byte("{1234567}"), []byte("{1234567}")},
		"size":      {[]byte("{12345678}"), []byte("{12345678}"), []byte("{1234567}")},
		"too short": {[]byte("{1}"), []byte("{1}"), []byte("{1}")},
	}
	for name, ts := range tests {
		t.Run(name, func(t *testing.T) {
			var last error
			for _, err := range c.Bodies(plan, slices.Values(ts)) {
				last = err
			}
			if last == nil {
				t.Error("no error for targets that do not match the plan")
			}
		})
	}
	if _, err := c.AppendBody(nil, plan, 0, [][]byte{[]byte("{}")}); err == nil {
		t.Error("AppendBody accepted the wrong number of targets")
	}
	if _, err := c.AppendBody(nil, plan, 5, nil); err == nil {
		t.Error("AppendBody accepted an index out of range")
	}
}

// A target refused for a body names the room the body leaves it, when
// the envelope takes part of the limit: the message never says a target
// smaller than the limit does not fit in it without saying why.
func TestTargetTooLargeNamesRoom(t *testing.T) {
	const max = 640
	c, err := NewChunker("post", max)
	if err != nil {
		t.Fatal(err)
	}
	alone := max - c.base()
	tests := []struct {
		name    string
		sizes   []int // the target refused is the first
		chunked bool
	}{
		{"fits alone, not in a chunked body", []int{alone - 1, alone - 1}, true},
		{"fits in no body", []int{alone + 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Plan(slices.Values(tt.sizes))
			var tl *TargetTooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("error = %v, want a *TargetTooLargeError", err)
			}
			if tl.Chunked != tt.chunked || tl.Room >= tl.Size || tl.Room >= max {
				t.Errorf("error %+v: want chunked %v and a room under the size and the limit", tl, tt.chunked)
			}
			if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf(" %d bytes ", tl.Room)) {
				t.Errorf("message %q does not name the room of %d bytes", msg, tl.Room)
			}
		})
	}
}
