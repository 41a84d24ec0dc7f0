package outbox_test

import (
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// namedProfile is a profile that names what it delivers.
type namedProfile struct{ outbox.Profile }

func (namedProfile) Delivers() string { return "result" }

// The outbox delivers what its profile does: a failed delivery's error
// names it as the profile does (runtime.DeliveryOf), the openaev
// profile's result, else signatures.
func TestDelivererDeliversWhatItsProfileDoes(t *testing.T) {
	for _, tt := range []struct {
		profile outbox.Profile
		want    string
	}{{namedProfile{}, "result"}, {struct{ outbox.Profile }{}, "signatures"}} {
		if got := runtime.DeliveryOf(&outbox.Deliverer{Profile: tt.profile}); got != tt.want {
			t.Errorf("%T delivers %q, want %q", tt.profile, got, tt.want)
		}
	}
}
