// Package transport owns the wire of the default profile between an
// injector and the backend: it validates an expectation-signature payload,
// normalises its value groups, splits it into bodies no larger than a size
// limit, and POSTs each body to
//
//	{base}/api/injects/{inject_id}/callback
//
// with retries, returning typed errors callers can branch on.
//
// # The path production takes
//
//   - Encode (or Client.Encode, with the client's size limit) validates and
//     normalises the targets of a payload, measures them and plans their
//     bodies, without holding the payload in memory and without I/O. Its
//     error is the payload's fault: nothing will ever send it. EncodeRange
//     (or Client.EncodeRange) does the same for a payload that can be read
//     in ranges (signatures.PayloadRange), measuring a long one on every
//     core at once.
//   - Encoding.Bodies writes the bodies one by one into a reused buffer: a
//     dry run prints them, an outbox stores them (Encoding.Len and Size
//     tell it the room they need first).
//   - Client.SendEncoded writes and posts the bodies in order, chunk after
//     chunk, and reports which chunks were delivered when one fails.
//   - Client.PostKeyed posts one stored body again, later, with the
//     Idempotency-Key recorded beside it (Client.PostBody computes the key).
//
// A caller holding encoded targets already (a load generator) may plan and
// write bodies with Chunker and Plan directly. The JSON of a target is
// written by package wirejson, byte for byte what encoding/json writes.
//
// # Body
//
// Every body is one JSON object with the keys, in this order:
//
//	{"phase":"…","expectation_signature":{"targets":[…]}}
//
// and, only when the payload needed more than one body,
// "chunk_index" (from 0) and "total_chunks". No other key is ever written.
// Each target's signature_values hold exactly one group per expectation type,
// in first-seen order, whatever mix of grouped and flat values came in.
//
// Every POST carries the header
//
//	Idempotency-Key: <inject_id>:<phase>:<chunk_index>:<16 hex of the body's SHA-256>
//
// (chunk_index 0 for an unchunked body), identical on each retry and on any
// later resend of the same body, so a backend can drop a duplicate.
//
// # Errors
//
// Bad input is a *ValidationError naming the field path
// ("targets[3].signature_values[0].expectation_type"), returned before any
// I/O. A target that cannot fit in one body is a *TargetTooLargeError
// (errors.Is ErrTargetTooLarge), also returned before the first POST. A
// failed delivery is a *TransmissionError; errors.Is(err, ErrPermanent)
// tells a rejection the backend will repeat (a 4xx other than 407, 408, 409 and
// 429, a 501 or 505) from a failure worth trying again later (ErrRetriesExhausted).
// Cancelling the context stops at once and yields the context's error.
//
// The HTTP client, the retries, Retry-After and the redaction are those of
// internal/httpx, shared with the openaev client: ErrPermanent and
// ErrRetriesExhausted are httpx's sentinels. Each retry is logged at WARN;
// the final failure is returned, never logged. The bearer token is never
// logged nor kept in an error: it is redacted, raw or escaped, from
// response bodies and error texts.
package transport
