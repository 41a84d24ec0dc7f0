package outbox

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzEncodeStarts: the starts record a daemon writes for each inject it
// runs is written by a hand-made encoder (encodeStarts) that must write
// the bytes json.Marshal writes, for any inject id, process and start
// time (any year, any zone); and what it writes decodes back to the
// record (decodeStarts), the start times naming the same instants.
func FuzzEncodeStarts(f *testing.F) {
	f.Add("i-1", uint64(1), 4242, uint64(7), int64(1733572800), int64(5), 0, 2)
	f.Add(`a"b\c<&>`, uint64(0), -1, uint64(0), int64(-62167219200), int64(0), 561, 1)
	f.Add("é\u2028\xff", uint64(1<<63), 1<<31, uint64(1<<40), int64(253402300800), int64(999999999), -(3*3600 + 30*60), 3)
	f.Add("", uint64(2), 0, uint64(0), int64(0), int64(1), 24*3600-60, 0)
	f.Fuzz(func(t *testing.T, id string, seq uint64, owner int, ownerStart uint64, sec, nsec int64, zone, runs int) {
		rec := startsRecord{InjectID: id}
		if runs = runs % 4; runs < 0 {
			runs = -runs
		}
		at := time.Unix(sec, nsec).In(time.FixedZone("Z", zone%(48*3600)))
		for i := range runs {
			rec.Runs = append(rec.Runs, startRun{Seq: seq + uint64(i), Owner: owner - i, OwnerStart: ownerStart, At: at.Add(time.Duration(i) * time.Hour)})
		}
		want, wantErr := json.Marshal(rec)
		got, err := encodeStarts(rec)
		if (err != nil) != (wantErr != nil) || string(got) != string(want) {
			t.Fatalf("encodeStarts = %q, %v; json.Marshal = %q, %v", got, err, want, wantErr)
		}
		if err != nil {
			return
		}
		back, err := (&Store{path: "outbox.db"}).decodeStarts(id, got)
		if err != nil {
			t.Fatalf("decodeStarts(%q) = %v, want the record written", got, err)
		}
		if len(back.Runs) != len(rec.Runs) {
			t.Fatalf("decodeStarts(%q) = %d runs, want %d", got, len(back.Runs), len(rec.Runs))
		}
		for i, r := range back.Runs {
			w := rec.Runs[i]
			if r.Seq != w.Seq || r.Owner != w.Owner || r.OwnerStart != w.OwnerStart || !sameInstant(r.At, w.At) {
				t.Fatalf("run %d read back as %+v, want %+v", i, r, w)
			}
		}
	})
}

// sameInstant reports whether a start time read back names the instant
// written: RFC 3339 (json.Marshal's form) writes a zone's offset in whole
// minutes, so a zone of seconds (a local mean time of before 1900) reads
// back up to 59 s apart.
func sameInstant(got, want time.Time) bool {
	if _, off := want.Zone(); off%60 == 0 {
		return got.Equal(want)
	}
	d := got.Sub(want)
	return d > -time.Minute && d < time.Minute
}

// FuzzDecodeStarts: a starts record as stored, damaged or written by
// another version, either decodes or is a *CorruptError naming the
// outbox's file; one that decodes, stored again (storeStarts's encoding),
// reads back the same.
func FuzzDecodeStarts(f *testing.F) {
	f.Add([]byte(`{"inject_id":"i-1","runs":[{"seq":1,"owner":4242,"owner_start":7,"at":"2026-12-07T14:00:00.000000005Z"}]}`))
	f.Add([]byte(`{"inject_id":"i-1","runs":null}`))
	f.Add([]byte(`{"runs":[{"seq":-1}]}`))
	f.Add([]byte(`{"inject_id":"i-1","runs":[{"seq":1,"owner":1,"at":"10000-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"inject_id":`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s := &Store{path: "outbox.db"}
		rec, err := s.decodeStarts("i-1", raw)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != "outbox.db" {
				t.Fatalf("decodeStarts(%q) = %v, want a *CorruptError naming outbox.db", raw, err)
			}
			return
		}
		again, err := encodeStarts(rec)
		if err != nil {
			return // a time json.Marshal refuses (a year past 9999): stored by no version
		}
		back, err := s.decodeStarts("i-1", again)
		if err != nil {
			t.Fatalf("decodeStarts(%q), stored again as %q: %v", raw, again, err)
		}
		if back.InjectID != rec.InjectID || len(back.Runs) != len(rec.Runs) || (rec.Runs == nil) != (back.Runs == nil) {
			t.Fatalf("stored again as %q, read back %+v; want %+v", again, back, rec)
		}
		for i := range rec.Runs {
			r, w := back.Runs[i], rec.Runs[i]
			if r.Seq != w.Seq || r.Owner != w.Owner || r.OwnerStart != w.OwnerStart || !sameInstant(r.At, w.At) {
				t.Fatalf("run %d read back as %+v, want %+v", i, r, w)
			}
		}
	})
}
