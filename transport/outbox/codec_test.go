package outbox

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
)

func TestBodyCodecRoundTrip(t *testing.T) {
	random := make([]byte, 4096)
	_, _ = rand.Read(random)
	json := []byte(strings.Repeat(`{"signature_type":"source_ipv4","signature_value":"172.17.0.2"},`, 2000))
	for name, body := range map[string][]byte{
		"empty":          {},
		"json":           json,
		"incompressible": random,
	} {
		t.Run(name, func(t *testing.T) {
			stored := packBody(body)
			if name == "json" && len(stored)*10 > len(body) {
				t.Errorf("json body stored in %d bytes of %d: not compressed", len(stored), len(body))
			}
			if name == "incompressible" && len(stored) > len(body)+1 {
				t.Errorf("incompressible body grew to %d bytes", len(stored))
			}
			got, err := unpackBody(stored)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("round trip: %v, %d bytes back of %d", err, len(got), len(body))
			}
		})
	}
}

func TestStoredBodyCorrupt(t *testing.T) {
	for name, stored := range map[string][]byte{
		"empty":         nil,
		"unknown codec": []byte("x123"),
		"bad deflate":   append([]byte{codecDeflate}, 0xff, 0xfe, 0x00),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := unpackBody(stored); err == nil {
				t.Error("a damaged stored body was read back")
			}
		})
	}
}

// FuzzBodyCodec: whatever is stored reads back as itself, and no stored
// value makes unpackBody panic.
func FuzzBodyCodec(f *testing.F) {
	f.Add([]byte(`{"phase":"execution_complete"}`))
	f.Add([]byte{codecDeflate, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := unpackBody(packBody(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %q: %q, %v", b, got, err)
		}
		_, _ = unpackBody(b)
	})
}
