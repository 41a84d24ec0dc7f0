package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// echoKey writes testKey as an engine's error answer may echo it inside a
// JSON string: its byte i as a \u escape when bit i of escaped is set, and
// a JSON-escaped line break before byte cut (none when cut is 0 or past
// the key).
func echoKey(escaped uint32, cut uint8) string {
	var b strings.Builder
	for i := range len(testKey) {
		if int(cut) == i && i > 0 {
			b.WriteString(`\n`)
		}
		if escaped&(1<<(i%32)) != 0 {
			fmt.Fprintf(&b, `\u%04x`, testKey[i])
		} else {
			b.WriteByte(testKey[i])
		}
	}
	return b.String()
}

// FuzzShodanErrorAnswer checks an engine's error answer, as Shodan
// writes one ({"error": "…"}, any status, a 200 too) or not: whatever the
// body, and wherever it echoes the API key (each "\x00K" in it is replaced
// by the key, some of its bytes \u escapes, maybe split over lines), the
// query's error shows no 12 characters of the key, its whitespace
// removed.
func FuzzShodanErrorAnswer(f *testing.F) {
	for _, s := range []string{`{"error": "Invalid API key \x00K"}`, `{"error": "key=\x00K", "matches": []}`,
		"bad key \x00K", `{"error":"`, `{"matches":[{"ip_str":"\x00K"}],"error":"x"}`, `{"error":"a\n\x00K\u00a0"}`, ""} {
		f.Add(200, s, uint32(0), uint8(0))
		f.Add(401, s, uint32(0x5a5a5a5a), uint8(9))
	}
	f.Fuzz(func(t *testing.T, status int, body string, escaped uint32, cut uint8) {
		if status < 200 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		body = strings.ReplaceAll(body, "\x00K", echoKey(escaped, cut))
		s := &shodan{key: testKey}
		_, err := s.readAnswer(status, strings.NewReader(body))
		if err == nil {
			return
		}
		if _, ok := errors.AsType[*APIError](err); !ok && status != 200 {
			t.Fatalf("status %d: err = %v, want an *APIError", status, err)
		}
		flat := strings.Join(strings.Fields(err.Error()), "")
		for i := 0; i+12 <= len(testKey); i++ {
			if strings.Contains(flat, testKey[i:i+12]) {
				t.Fatalf("status %d, body %q: the error %q shows %q of the key", status, body, err.Error(), testKey[i:i+12])
			}
		}
	})
}
