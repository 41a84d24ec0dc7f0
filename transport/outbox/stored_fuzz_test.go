package outbox

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRecordMetadata checks a record's metadata as the file keeps it
// (encode, decode): the strings a resend needs byte for byte (inject id,
// phase, idempotency key) read back byte for byte, valid UTF-8 or not;
// every other string as encoding/json reads it back; the owner, its
// format and its Store, the counts and the times as they were. And a stored value of any
// bytes (a damaged one) decodes, or fails, without panic, and what it
// decodes to is kept as itself: stored again, it reads back the same.
func FuzzRecordMetadata(f *testing.F) {
	f.Add("i-1", "execution_complete", "k", "https://p.example/api", "boom", 4242, 3, int64(1_780_000_000_000_000_000), []byte(`{"id":1}`))
	f.Add("\xff\xfe", "p\x00", "\xc3", "", "\xff", 0, 0, int64(0), []byte(`{"raw_inject_id":"/w==","inject_id":"x"}`))
	f.Add("", "", "", "u", "", -1, -7, int64(-1), []byte(`{"owner":1,"owner_format":2,"lease_until":"2026-01-02T15:04:05.999999999+14:00"}`))
	f.Fuzz(func(t *testing.T, injectID, phase, idKey, baseURL, lastErr string, owner, format int, at int64, stored []byte) {
		when := time.Unix(0, at).UTC()
		r := Record{ID: 7, State: Pending, InjectID: injectID, Phase: phase, IdempotencyKey: idKey, BaseURL: baseURL,
			LastError: lastErr, Owner: owner, ownerFormat: format, ownerStore: "K7QX2M4B", Attempts: format, NextAttempt: when, Created: when,
			LeaseUntil: when, Interrupted: when}
		raw, err := encode(r)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		got, err := decode(raw)
		if err != nil {
			t.Fatalf("decode(encode) of %s: %v", raw, err)
		}
		if got.InjectID != injectID || got.Phase != phase || got.IdempotencyKey != idKey {
			t.Fatalf("inject id %q, phase %q, key %q read back as %q, %q, %q", injectID, phase, idKey, got.InjectID, got.Phase, got.IdempotencyKey)
		}
		if want := jsonString(t, baseURL); got.BaseURL != want {
			t.Fatalf("base URL %q read back as %q, want %q", baseURL, got.BaseURL, want)
		}
		if want := jsonString(t, lastErr); got.LastError != want {
			t.Fatalf("last error %q read back as %q, want %q", lastErr, got.LastError, want)
		}
		wantFormat, wantStore := format, "K7QX2M4B"
		if owner == 0 {
			wantFormat, wantStore = 0, "" // no owner: no format or Store kept
		}
		if got.Owner != owner || got.ownerFormat != wantFormat || got.ownerStore != wantStore || got.Attempts != format {
			t.Fatalf("owner %d (format %d, store %q), attempts %d read back as %d (format %d, store %q), %d",
				owner, format, wantStore, format, got.Owner, got.ownerFormat, got.ownerStore, got.Attempts)
		}
		for _, tm := range []time.Time{got.NextAttempt, got.Created, got.LeaseUntil, got.Interrupted} {
			if !tm.Equal(when) {
				t.Fatalf("time %v read back as %v", when, tm)
			}
		}
		// A damaged value: decoded, stored again, read back the same.
		d, err := decode(stored)
		if err != nil {
			return
		}
		again, err := encode(d)
		if err != nil {
			return // json cannot write it (a time past year 9999): the store fails the write
		}
		d2, err := decode(again)
		if err != nil {
			t.Fatalf("decode(%q) = %+v; stored again as %s, it does not decode: %v", stored, d, again, err)
		}
		if third, _ := encode(d2); !bytes.Equal(third, again) {
			t.Fatalf("decode(%q) stored again as %s, then as %s", stored, again, third)
		}
		if d2.InjectID != d.InjectID || d2.Phase != d.Phase || d2.IdempotencyKey != d.IdempotencyKey {
			t.Fatalf("decode(%q): inject id %q, phase %q, key %q; stored again: %q, %q, %q", stored,
				d.InjectID, d.Phase, d.IdempotencyKey, d2.InjectID, d2.Phase, d2.IdempotencyKey)
		}
	})
}

// jsonString is s as encoding/json reads back what it writes of it.
func jsonString(t *testing.T, s string) string {
	t.Helper()
	if utf8.ValidString(s) {
		return s
	}
	b, _ := json.Marshal(s)
	var back string
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}
