package outbox

import (
	"encoding/json"
	"testing"
	"time"
)

// TestEncodeStarts checks that a starts record is stored as json.Marshal
// writes it, whatever its inject id, zone and runs.
func TestEncodeStarts(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 30, 0, 123456789, time.UTC)
	run := func(seq uint64, start uint64, at time.Time) startRun {
		return startRun{Seq: seq, Owner: 4242, OwnerStart: start, At: at}
	}
	tests := []struct {
		name string
		rec  startsRecord
	}{
		{"one run", startsRecord{InjectID: "0b2f6c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", Runs: []startRun{run(7, 9876543210, at)}}},
		{"several runs", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at), run(18446744073709551615, 2, at.Add(time.Hour))}}},
		{"no owner start", startsRecord{InjectID: "i-1", Runs: []startRun{run(3, 0, at)}}},
		{"no runs", startsRecord{InjectID: "i-1"}},
		{"negative owner", startsRecord{InjectID: "i-1", Runs: []startRun{{Seq: 1, Owner: -1, At: at}}}},
		{"whole second", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at.Truncate(time.Second))}}},
		{"monotonic clock", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, time.Now())}}},
		{"local zone", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at.In(time.FixedZone("X", -(3*3600+30*60))))}}},
		{"zone of seconds", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at.In(time.FixedZone("LMT", 561)))}}},
		{"id with a quote", startsRecord{InjectID: `a"b\c`, Runs: []startRun{run(1, 1, at)}}},
		{"id for HTML", startsRecord{InjectID: "<a&b>", Runs: []startRun{run(1, 1, at)}}},
		{"id with a control", startsRecord{InjectID: "a\tb\x7f", Runs: []startRun{run(1, 1, at)}}},
		{"id not ASCII", startsRecord{InjectID: "é\u2028\xff", Runs: []startRun{run(1, 1, at)}}},
		{"empty id", startsRecord{Runs: []startRun{run(1, 1, at)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeStarts(tt.rec)
			if err != nil || string(got) != string(want) {
				t.Errorf("encodeStarts = %s, %v; want %s", got, err, want)
			}
		})
	}
	for _, year := range []int{-1, 10000} {
		rec := startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC))}}
		if _, err := encodeStarts(rec); err == nil {
			t.Errorf("year %d: encodeStarts = nil error, want json.Marshal's", year)
		}
	}
}
