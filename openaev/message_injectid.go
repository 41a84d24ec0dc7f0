package openaev

// A message's inject id: read alone from a message the full decoding
// rejected (or from the first bytes of one too large to read), so that
// the platform is still told the inject failed, and the error of one no
// call can carry, placed at its value in the message.

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/injectkit/injectkit/serve"
)

// injectIDOf reads injection.inject_id alone from a message the full
// decoding rejected. A message that is not JSON at all (bytes after the
// object, a byte order mark before it, cut short) is named by the inject
// id its first bytes hold, as one too large to read is (headInjectID).
func injectIDOf(body []byte) string {
	var probe struct {
		Injection struct {
			InjectID string `json:"inject_id"`
		} `json:"injection"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return headInjectID(body)
		}
		return ""
	}
	if id := strings.TrimSpace(probe.Injection.InjectID); checkInjectID(id) == nil {
		return id
	}
	return ""
}

// injectIDField finds a message's inject id in its first bytes. It is
// compiled on first use, not at init: its bounded repeat makes a program
// of some 530 instructions, which every start of the binary would build
// (`injectkit version`, `run`) for the unreadable messages alone.
var injectIDField = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`"inject_id"\s*:\s*"([^"\\]{1,256})"`)
})

// headInjectID returns the inject id the first serve.OversizeHead bytes of
// a message that cannot be decoded hold (one too large to read, or not
// JSON), without decoding it: the first "inject_id" string field, ""
// when there is none or it is not a valid inject id.
func headInjectID(body []byte) string {
	m := injectIDField().FindSubmatch(body[:min(len(body), serve.OversizeHead)])
	if m == nil || checkInjectID(string(m[1])) != nil {
		return ""
	}
	return string(m[1])
}

// injectIDError is the *MessageError of a message whose inject id, raw as
// written, no call can carry: absent, empty or white space alone, or
// refused by idErr. One the message writes is placed at its value.
func injectIDError(body []byte, raw string, idErr error) error {
	me := &MessageError{Reason: "injection.inject_id is missing", Err: idErr}
	me.Offset, me.Placed = memberOffset(body, "injection", "inject_id")
	switch {
	case idErr != nil:
		me.Reason = idErr.Error()
	case raw == "" && me.Placed && bytes.HasPrefix(body[me.Offset:], []byte("null")):
		me.Reason = "injection.inject_id is null, want a string"
	case raw == "" && me.Placed:
		me.Reason = "injection.inject_id is empty"
	case me.Placed:
		me.Reason = "injection.inject_id is blank (white space alone)"
	}
	return me
}

// memberOffset returns where body, a JSON object, writes the value of the
// member path names (one key an object deep: injection, inject_id),
// matched whatever its case as encoding/json matches a field; false when
// it writes none. It is for an error's place: it copies the values it
// skips.
func memberOffset(body []byte, path ...string) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	for _, want := range path {
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return 0, false
		}
		for {
			if !dec.More() {
				return 0, false
			}
			tok, err := dec.Token()
			if err != nil {
				return 0, false
			}
			if key, _ := tok.(string); strings.EqualFold(key, want) {
				break
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 0, false
			}
		}
	}
	off := dec.InputOffset() // just past the key: the value is after its colon
	for off < int64(len(body)) && strings.IndexByte(" \t\r\n:", body[off]) >= 0 {
		off++
	}
	return off, true
}
