package openaev

import (
	"fmt"
	"strconv"
)

// Bounds of the openaev profile's max payload size (setting
// max_payload_size): no callback body it sends is larger.
const (
	// DefaultMaxPayloadSize is pyoaev's: 5 MiB.
	DefaultMaxPayloadSize = 5 << 20
	// MinMaxPayloadSize and MaxMaxPayloadSize bound the setting: 1 KiB to
	// 64 MiB.
	MinMaxPayloadSize = 1 << 10
	MaxMaxPayloadSize = 64 << 20

	// MaxStructuredOutputLen is the longest execution_output_structured,
	// as the body carries it (escaped), the profile sends, whatever the
	// max payload size: the platform answers 400 to a callback any JSON
	// string of which is longer than 20,000,000 characters (decoded).
	// Jackson's StreamReadConstraints.DEFAULT_MAX_STRING_LEN (2.15.1 and
	// later; Spring Boot 3.5 brings Jackson 2.19, the 1.18 line's Spring
	// Boot 3.3 Jackson 2.17) refuses it while the body is read
	// (HttpMessageNotReadableException → 400), and the platform never
	// raises the limit (no StreamReadConstraints in openaev-api, 2.4.0 and
	// 1.18). The escaped length bounds the decoded one (an escape only
	// lengthens; a UTF-16 unit takes at least one UTF-8 byte), so a
	// callback the platform would refuse, losing the result, is never
	// built. The callback profile keeps MaxMaxPayloadSize.
	MaxStructuredOutputLen = 20_000_000
)

// The room of a terminal callback's message, escaped: the report's
// message (or a rejection's reason) takes at most maxMessageLen bytes and
// the notes of what was left out (findings, a target's signatures) at
// most maxNoteLen, each at most a quarter of the max payload size below
// those (messageRoom, noteRoom). The plan of the bodies counts with both,
// the note's room only when a note is written; the max payload size a
// WARN advises (findingsNeed) with the message's, every finding sent
// leaving no note of them.
const (
	maxMessageLen = 8 << 10
	maxNoteLen    = 512
)

// messageRoom is the escaped length a terminal callback's message keeps
// under a max payload size of limit bytes.
func messageRoom(limit int) int { return min(maxMessageLen, limit/4) }

// noteRoom is the escaped length the notes appended to a terminal
// callback's message keep under a max payload size of limit bytes.
func noteRoom(limit int) int { return min(maxNoteLen, limit/4) }

// structuredRoom is the room a body of at most limit bytes, fixed of
// which are not signature targets and docFixed of those in the structured
// output, leaves its signature targets: the smaller of the body's room
// and the structured output's (MaxStructuredOutputLen).
func structuredRoom(limit, fixed, docFixed int) int {
	return min(limit-fixed, MaxStructuredOutputLen-docFixed)
}

// ValidateMaxPayloadSize checks a max payload size for the openaev
// profile: MinMaxPayloadSize to MaxMaxPayloadSize bytes. A value out of
// bounds is a *ValidationError on field max_payload_size naming it.
func ValidateMaxPayloadSize(n int64) error {
	if n < MinMaxPayloadSize || n > MaxMaxPayloadSize {
		return &ValidationError{Field: "max_payload_size", Value: strconv.FormatInt(n, 10),
			Reason: fmt.Sprintf("must be between %d (1 KiB) and %d (64 MiB) bytes for the openaev profile",
				MinMaxPayloadSize, MaxMaxPayloadSize)}
	}
	return nil
}

// ProfileOption configures a Profile.
type ProfileOption func(*Profile)

// WithMaxPayloadSize sets the largest callback body the profile sends
// (default DefaultMaxPayloadSize). Check the value with
// ValidateMaxPayloadSize first: NewProfile brings one out of bounds back
// to the nearest bound.
// One above MaxQueuedBodySize is kept, and NewProfile logs a WARN: the
// platform's broker drops such callbacks unless its max_message_size was
// raised.
func WithMaxPayloadSize(n int64) ProfileOption {
	return func(p *Profile) { p.maxPayload = int(min(max(n, MinMaxPayloadSize), MaxMaxPayloadSize)) }
}

// MaxPayloadSize returns the largest callback body the profile sends.
func (p *Profile) MaxPayloadSize() int64 { return int64(p.maxPayload) }
