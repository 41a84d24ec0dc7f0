package outbox

import (
	"encoding/json"
	"strconv"
	"time"
)

// The starts records are written for each inject a daemon runs, and read
// back once its run ended: encoding/json's reflection was about 2 % of the
// daemon's CPU. appendStarts writes the bytes json.Marshal writes for the
// common record (an inject id JSON need not escape, times of a year
// 0-9999 and a zone of whole minutes); any other goes through
// json.Marshal. A start's record is written whole once: the end of its run
// compares the stored bytes with them instead of decoding them (see
// Run.End).

// encodeStarts returns rec as JSON, as json.Marshal writes it.
func encodeStarts(rec startsRecord) ([]byte, error) {
	if !plainJSON(rec.InjectID) {
		return json.Marshal(rec)
	}
	for _, r := range rec.Runs {
		if !plainTime(r.At) {
			return json.Marshal(rec)
		}
	}
	b := make([]byte, 0, 64+len(rec.InjectID)+80*len(rec.Runs))
	b = append(b, `{"inject_id":"`...)
	b = append(b, rec.InjectID...)
	b = append(b, `","runs":`...)
	if rec.Runs == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	for i, r := range rec.Runs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendUint(b, r.Seq, 10)
		b = append(b, `,"owner":`...)
		b = strconv.AppendInt(b, int64(r.Owner), 10)
		if r.OwnerStart != 0 {
			b = append(b, `,"owner_start":`...)
			b = strconv.AppendUint(b, r.OwnerStart, 10)
		}
		b = append(b, `,"at":"`...)
		b = r.At.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `"}`...)
	}
	return append(b, "]}"...), nil
}

// plainJSON reports whether json.Marshal writes s as it is, between
// quotes: printable ASCII other than the quote, the backslash and the
// characters it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// plainTime reports whether t's RFC 3339 form is the one json.Marshal
// writes: a year of four digits and a zone of whole minutes, less than a
// day.
func plainTime(t time.Time) bool {
	_, off := t.Zone()
	return t.Year() >= 0 && t.Year() <= 9999 && off%60 == 0 && off > -24*3600 && off < 24*3600
}
