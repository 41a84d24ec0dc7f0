// Package transport owns the wire between an injector and the backend: it
// validates an expectation-signature payload, normalises its value groups,
// splits it into bodies no larger than a size limit, and POSTs each body to
//
//	{base}/api/injects/{inject_id}/callback
//
// with retries, returning typed errors callers can branch on.
//
// Every POST carries the header
//
//	Idempotency-Key: <inject_id>:<phase>:<chunk_index>:<16 hex of the body's SHA-256>
//
// (chunk_index 0 for an unchunked body), identical on each retry and on any
// later resend of the same body, so a backend can drop a duplicate.
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
// # Steps
//
// Send is three steps that are exported on their own so that a caller (an
// outbox, a dry run) can run them separately:
//
//   - Bodies validates, normalises and chunks a payload without any I/O and
//     returns the exact bytes Send would post;
//   - Client.PostBody posts one body with retries;
//   - Client.Send runs both, chunk after chunk, and reports which chunks were
//     delivered when one fails.
//
// For payloads too large to hold in memory, AppendTarget, Chunker and Plan
// build the same bytes from a stream of targets: plan the chunks from the
// encoded sizes, then write the bodies one by one.
//
// # Errors
//
// Bad input is a *ValidationError naming the field path
// ("targets[3].signature_values[0].expectation_type"), returned before any
// I/O. A target that cannot fit in one body is a *TargetTooLargeError
// (errors.Is ErrTargetTooLarge), also returned before the first POST. A
// failed delivery is a *TransmissionError; errors.Is(err, ErrPermanent)
// tells a rejection the backend will repeat (a 4xx other than 408, 409 and
// 429) from a failure worth trying again later (ErrRetriesExhausted).
// Cancelling the context stops at once and yields the context's error.
//
// The bearer token is never logged nor written into an error: it is
// redacted from response bodies before they are kept.
package transport
