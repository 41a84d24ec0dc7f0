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
)

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
func WithMaxPayloadSize(n int64) ProfileOption {
	return func(p *Profile) { p.maxPayload = int(min(max(n, MinMaxPayloadSize), MaxMaxPayloadSize)) }
}

// MaxPayloadSize returns the largest callback body the profile sends.
func (p *Profile) MaxPayloadSize() int64 { return int64(p.maxPayload) }
