package openaev

import (
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// WithNow sets the clock of the profile's notes of its "complete"
// callbacks (ingestwindow.go), for tests.
func WithNow(now func() time.Time) ProfileOption {
	return func(p *Profile) { p.notes.now = now }
}

// PlatformSignatures converts a payload as platformSignatures does, the
// target addresses kept, for the tests of the conversion.
func PlatformSignatures(p signatures.Payload) (signatures.Payload, []string) {
	return platformSignatures(p, false)
}
