package outbox

import (
	"encoding/json"
	"unicode/utf8"
)

// A record's metadata as the file keeps it: JSON, the strings a resend
// needs byte for byte kept raw as well when they are not valid UTF-8.

// storedRecord is a Record as the file keeps it. JSON replaces invalid
// UTF-8 with U+FFFD, so a string field the resend needs byte for byte is
// also kept raw (base64) when it is not valid UTF-8.
type storedRecord struct {
	Record
	RawInjectID []byte `json:"raw_inject_id,omitempty"`
	RawPhase    []byte `json:"raw_phase,omitempty"`
	RawKey      []byte `json:"raw_idempotency_key,omitempty"`
	OwnerFormat int    `json:"owner_format,omitempty"` // Record.ownerFormat; earlier versions ignore it
	OwnerStore  string `json:"owner_store,omitempty"`  // Record.ownerStore; earlier versions ignore it
}

func encode(r Record) ([]byte, error) {
	raw := func(s string) []byte {
		if utf8.ValidString(s) {
			return nil
		}
		return []byte(s)
	}
	sr := storedRecord{Record: r,
		RawInjectID: raw(r.InjectID), RawPhase: raw(r.Phase), RawKey: raw(r.IdempotencyKey)}
	if r.Owner != 0 {
		sr.OwnerFormat, sr.OwnerStore = r.ownerFormat, r.ownerStore
	}
	return json.Marshal(sr)
}

func decode(raw []byte) (Record, error) {
	var sr storedRecord
	if err := json.Unmarshal(raw, &sr); err != nil {
		return Record{}, err
	}
	r := sr.Record
	r.ownerFormat, r.ownerStore = sr.OwnerFormat, sr.OwnerStore
	if sr.RawInjectID != nil {
		r.InjectID = string(sr.RawInjectID)
	}
	if sr.RawPhase != nil {
		r.Phase = string(sr.RawPhase)
	}
	if sr.RawKey != nil {
		r.IdempotencyKey = string(sr.RawKey)
	}
	return r, nil
}
