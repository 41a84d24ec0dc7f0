package openaev

import (
	"github.com/injectkit/injectkit/signatures"
)

// LostMemory is how long a Handler remembers an inject whose
// acknowledgement was lost.
const LostMemory = lostMemory

// PlatformSignatures converts a payload as platformSignatures does, the
// target addresses kept, for the tests of the conversion.
func PlatformSignatures(p signatures.Payload) (signatures.Payload, []string) {
	return platformSignatures(p, false)
}
