package transport

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/wirejson"
)

// minimal is the smallest target normalizeTarget accepts.
var minimal = signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
	{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "x", SignatureValue: 0}}}}}

// minimalTarget is the encoding of the smallest valid target, and a limit
// fits a body with it exactly when Encode accepts the limit.
func TestMinimalTarget(t *testing.T) {
	if _, err := normalizeTarget(0, minimal); err != nil {
		t.Fatal(err)
	}
	b, err := wirejson.AppendTarget(nil, minimal)
	if err != nil || string(b) != minimalTarget {
		t.Fatalf("minimal target encodes as %s (%v), want %s", b, err, minimalTarget)
	}
	c, err := NewChunker("pre", 0)
	if err != nil {
		t.Fatal(err)
	}
	least := c.base() + len(minimalTarget)
	one := []signatures.PayloadTarget{minimal}
	if enc, err := Encode("inj", "pre", slices.All(one), least); err != nil || enc.Size(0) != least {
		t.Errorf("limit %d: %v, want one body of exactly that size", least, err)
	}
	_, err = Encode("inj", "pre", slices.All(one), least-1)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "max_payload_size" || !strings.Contains(err.Error(), "one minimal target") {
		t.Errorf("limit %d: %v, want a *ValidationError on max_payload_size", least-1, err)
	}
	// A Chunker alone still plans under any limit above an empty body.
	if _, err := NewChunker("pre", c.base()); err != nil {
		t.Errorf("NewChunker: %v", err)
	}
}

func TestNewAcceptsFullURLs(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:1", "https://h.example:65535/prefix/", "http://[::1]:8080",
		"http://[fe80::1%25eth0]:80/x", "http://user:pw@backend:443", "http://backend", "HTTP://BACKEND/a%25b"} {
		if _, err := New(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	_, err := New("http://127.0.0.1:99999")
	if err == nil || !strings.Contains(err.Error(), `invalid port "99999": want a number from 1 to 65535`) {
		t.Errorf("err = %v", err)
	}
	_, err = New("http://u:secret@127.0.0.1:abc")
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "invalid port") {
		t.Errorf("err = %v, want the port named and no password", err)
	}
}

// Room is the largest target a body always holds: a payload of such
// targets, one a body, is planned; one byte more is too large. Room checks
// what Encode checks first.
func TestRoom(t *testing.T) {
	const limit = 600
	room, err := Room("inj", "pre", limit)
	if err != nil {
		t.Fatal(err)
	}
	sized := func(n int) signatures.PayloadTarget {
		t.Helper()
		pad := ""
		for {
			tg := signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "x", SignatureValue: pad}}}}}
			size, _, err := wirejson.TargetSize(tg, nil)
			if err != nil || size > n {
				t.Fatalf("no target of %d bytes (%v)", n, err)
			}
			if size == n {
				return tg
			}
			pad += strings.Repeat("a", n-size)
		}
	}
	fits := slices.Repeat([]signatures.PayloadTarget{sized(room)}, 12)
	if enc, err := Encode("inj", "pre", slices.All(fits), limit); err != nil || enc.Len() != len(fits) {
		t.Errorf("targets of %d bytes: %v, want one body each", room, err)
	}
	_, err = Encode("inj", "pre", slices.All(slices.Repeat([]signatures.PayloadTarget{sized(room + 100)}, 2)), limit)
	var tl *TargetTooLargeError
	if !errors.As(err, &tl) {
		t.Errorf("targets of %d bytes: %v, want a *TargetTooLargeError", room+100, err)
	}
	for _, bad := range []struct{ id, phase string }{{"", "pre"}, {"inj", ""}, {"inj", "bad\nphase"}} {
		if _, err := Room(bad.id, bad.phase, limit); err == nil {
			t.Errorf("Room(%q, %q): no error", bad.id, bad.phase)
		}
	}
	if _, err := Room("inj", "pre", 10); err == nil {
		t.Error("Room under a limit too small for any target: no error")
	}
}
