package openaev

import (
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// WithNow sets the clock of the profile's notes of its "complete"
// callbacks (ingestwindow.go), which a Handler of the profile reads too
// (serve_known.go), for tests.
func WithNow(now func() time.Time) ProfileOption {
	return func(p *Profile) { p.notes.now = now }
}

// LostMemory is how long a Handler remembers an inject whose
// acknowledgement was lost.
const LostMemory = lostMemory

// PlatformSignatures converts a payload as platformSignatures does, the
// target addresses kept, for the tests of the conversion.
func PlatformSignatures(p signatures.Payload) (signatures.Payload, []string) {
	return platformSignatures(p, false)
}
