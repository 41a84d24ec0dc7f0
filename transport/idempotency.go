package transport

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// IdempotencyHeader is the header every callback POST carries.
const IdempotencyHeader = "Idempotency-Key"

// IdempotencyKey returns the key a body is posted with:
//
//	<inject_id>:<phase>:<chunk_index>:<first 16 hex digits of the body's SHA-256>
//
// chunkIndex is 0 for an unchunked body. The key depends on nothing else, so
// a body resent later (from an outbox, by another process) carries the same
// key and a backend can recognise it.
func IdempotencyKey(injectID, phase string, chunkIndex int, body []byte) string {
	sum := sha256.Sum256(body)
	b := make([]byte, 0, len(injectID)+len(phase)+40)
	b = append(b, injectID...)
	b = append(b, ':')
	b = append(b, phase...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(chunkIndex), 10)
	b = append(b, ':')
	b = hex.AppendEncode(b, sum[:8])
	return string(b)
}

// bodyPhase returns the phase a body built by Encode starts with, or "" when
// the body does not start like one.
func bodyPhase(body []byte) string {
	const prefix = `{"phase":"`
	if !bytes.HasPrefix(body, []byte(prefix)) {
		return ""
	}
	// Find the closing quote, skipping escaped characters.
	for i := len(prefix); i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			var s string
			if json.Unmarshal(body[len(prefix)-1:i+1], &s) != nil {
				return ""
			}
			return s
		}
	}
	return ""
}
