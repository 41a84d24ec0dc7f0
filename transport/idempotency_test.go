package transport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

func TestIdempotencyKey(t *testing.T) {
	body := []byte(`{"phase":"pre","expectation_signature":{"targets":[]}}`)
	sum := sha256.Sum256(body)
	tests := []struct {
		id, phase string
		chunk     int
		body      []byte
		want      string
	}{
		{"inj", "pre", 0, body, "inj:pre:0:" + hex.EncodeToString(sum[:8])},
		{"a/b", "execution_complete", 12, nil, "a/b:execution_complete:12:e3b0c44298fc1c14"},
	}
	for _, tt := range tests {
		if got := IdempotencyKey(tt.id, tt.phase, tt.chunk, tt.body); got != tt.want {
			t.Errorf("IdempotencyKey(%q, %q, %d) = %q, want %q", tt.id, tt.phase, tt.chunk, got, tt.want)
		}
	}
	if IdempotencyKey("inj", "pre", 0, body) == IdempotencyKey("inj", "pre", 0, append([]byte(nil), body[:len(body)-1]...)) {
		t.Error("different bodies share a key")
	}
}

func TestBodyPhase(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"phase":"pre","expectation_signature":{}}`, "pre"},
		{`{"phase":"a\"b\\c","x":1}`, `a"b\c`},
		{`{"phase":"\u00e9t\u00e9"}`, "été"},
		{`{"phase":1}`, ""},
		{`{"other":"pre"}`, ""},
		{`{"phase":"unterminated`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := bodyPhase([]byte(tt.body)); got != tt.want {
			t.Errorf("bodyPhase(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// FuzzBodyPhase: the phase read back from a body is the phase it was built
// with.
func FuzzBodyPhase(f *testing.F) {
	for _, s := range []string{"pre", "execution_complete", `a"b`, "<&>", "\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, phase string) {
		bodies, err := Bodies("inj", phase, payloadOf(1), 0)
		if err != nil {
			return
		}
		want := phase
		if got := bodyPhase(bodies[0]); got != want && validUTF8(want) {
			t.Errorf("bodyPhase = %q, want %q", got, want)
		}
	})
}

func validUTF8(s string) bool {
	for _, r := range s {
		if r == 0xFFFD {
			return false
		}
	}
	return true
}

// Every POST carries its key; a retry carries the same one; chunks differ.
func TestIdempotencyKeyOnEveryPost(t *testing.T) {
	be := recorder.New(t, http.StatusServiceUnavailable)
	p := payloadOf(40)
	whole, _ := Bodies("inj", "post", p, 1<<30)
	c, err := New(be.URL, WithMaxPayloadSize(len(whole[0])/3), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), "inj", "post", p); err != nil {
		t.Fatal(err)
	}
	reqs := be.Requests()
	bodies, _ := c.Bodies("inj", "post", p)
	if len(reqs) != len(bodies)+1 {
		t.Fatalf("%d requests for %d bodies and one retry", len(reqs), len(bodies))
	}
	if reqs[0].Header.Get(IdempotencyHeader) != reqs[1].Header.Get(IdempotencyHeader) {
		t.Errorf("retry changed the key: %q then %q", reqs[0].Header.Get(IdempotencyHeader), reqs[1].Header.Get(IdempotencyHeader))
	}
	for i, r := range reqs[1:] {
		if want := IdempotencyKey("inj", "post", i, bodies[i]); r.Header.Get(IdempotencyHeader) != want {
			t.Errorf("chunk %d: key %q, want %q", i, r.Header.Get(IdempotencyHeader), want)
		}
	}
	// PostBody of an unchunked body: chunk 0, the phase read from the body.
	one, _ := Bodies("i/2", "execution_complete", payloadOf(1), 0)
	if err := c.PostBody(context.Background(), "i/2", 0, one[0]); err != nil {
		t.Fatal(err)
	}
	reqs = be.Requests()
	if got, want := reqs[len(reqs)-1].Header.Get(IdempotencyHeader), IdempotencyKey("i/2", "execution_complete", 0, one[0]); got != want {
		t.Errorf("PostBody key %q, want %q", got, want)
	}
}

func TestBaseURLWithoutCredentials(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8080/":            "http://127.0.0.1:8080",
		"https://user:pw@127.0.0.1/prefix/": "https://127.0.0.1/prefix",
		"http://127.0.0.1:9/a%25b":          "http://127.0.0.1:9/a%25b",
	} {
		c, err := New(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.BaseURL(); got != want {
			t.Errorf("BaseURL(%s) = %s, want %s", raw, got, want)
		}
	}
}

func TestIdempotencyKeySendEncoded(t *testing.T) {
	be := recorder.New(t)
	c, err := New(be.URL, fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	p := payloadOf(2)
	enc, err := c.Encode("inj-e", "pre", func(yield func(int, signatures.PayloadTarget) bool) {
		for i, tg := range p.Targets {
			if !yield(i, tg) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendEncoded(context.Background(), enc); err != nil {
		t.Fatal(err)
	}
	r := be.Requests()[0]
	if want := IdempotencyKey("inj-e", "pre", 0, r.Body); r.Header.Get(IdempotencyHeader) != want {
		t.Errorf("key %q, want %q", r.Header.Get(IdempotencyHeader), want)
	}
}
