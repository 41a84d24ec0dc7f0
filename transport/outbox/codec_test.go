package outbox

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"strings"
	"testing"
)

func TestBodyCodecRoundTrip(t *testing.T) {
	random := make([]byte, 4096)
	_, _ = rand.Read(random)
	json := []byte(strings.Repeat(`{"signature_type":"source_ipv4","signature_value":"172.17.0.2"},`, 2000))
	for _, c := range []struct {
		name  string
		body  []byte
		codec byte
	}{
		{"empty", []byte{}, codecRaw},
		{"small: stored raw", []byte(`{"execution_status":"SUCCESS","execution_message":"done"}`), codecRaw},
		{"json", json, codecS2},
		{"incompressible", random, codecRaw},
	} {
		t.Run(c.name, func(t *testing.T) {
			stored := packBody(c.body)
			if stored[0] != c.codec {
				t.Errorf("stored with codec %q, want %q", stored[0], c.codec)
			}
			if c.codec == codecS2 && len(stored)*10 > len(c.body) {
				t.Errorf("json body stored in %d bytes of %d: not compressed", len(stored), len(c.body))
			}
			if len(stored) > len(c.body)+1 {
				t.Errorf("body of %d bytes grew to %d", len(c.body), len(stored))
			}
			got, err := unpackBody(stored, nil)
			if err != nil || !bytes.Equal(got, c.body) {
				t.Fatalf("round trip: %v, %d bytes back of %d", err, len(got), len(c.body))
			}
		})
	}
}

// A body an earlier version stored deflated still reads back.
func TestStoredBodyDeflateStillRead(t *testing.T) {
	body := []byte(strings.Repeat(`{"signature_type":"target_ipv4","signature_value":"10.0.0.1"},`, 100))
	var buf bytes.Buffer
	buf.WriteByte(codecDeflate)
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(body)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := unpackBody(buf.Bytes(), nil)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("deflated body: %v, %d bytes back of %d", err, len(got), len(body))
	}
}

func TestStoredBodyCorrupt(t *testing.T) {
	for name, stored := range map[string][]byte{
		"empty":         nil,
		"unknown codec": []byte("x123"),
		"bad deflate":   append([]byte{codecDeflate}, 0xff, 0xfe, 0x00),
		"bad s2":        append([]byte{codecS2}, 0x10, 0xff, 0xfe, 0x00),
		"s2 too large":  append([]byte{codecS2}, 0xff, 0xff, 0xff, 0xff, 0x0f),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := unpackBody(stored, nil); err == nil {
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
	f.Add(packBody([]byte(strings.Repeat(`{"signature_type":"start_time"},`, 40))))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := unpackBody(packBody(b), nil)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %q: %q, %v", b, got, err)
		}
		_, _ = unpackBody(b, nil)
	})
}
