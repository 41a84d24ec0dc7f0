package openaev_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// TestRegisterNamesThePlatformStores: the platform stores at most 255
// characters of an injector name and type (varchar(255), counted in
// characters): a longer one is refused before anything is sent, naming
// the setting, where the platform would fail the registration (a 500,
// which serve would retry without end); 255 characters, two bytes each,
// are registered.
func TestRegisterNamesThePlatformStores(t *testing.T) {
	for _, tt := range []struct {
		name, injName, injType string
		wantField              string // "": registered
	}{
		{"name of 255 two-byte characters", strings.Repeat("é", 255), "injectkit", ""},
		{"type of 255 characters", "InjectKit", strings.Repeat("t", 255), ""},
		{"name of 256 characters", strings.Repeat("n", 256), "injectkit", "injector_name"},
		{"type of 256 two-byte characters", "InjectKit", strings.Repeat("é", 256), "injector_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			regs, err := registerOnce(t, openaev.Config{InjectorName: tt.injName, InjectorType: tt.injType}, false)
			var ve *openaev.ValidationError
			switch {
			case tt.wantField == "" && (err != nil || len(regs) != 1 || !regs[0].Accepted()):
				t.Fatalf("err = %v, %d registrations (%v); want one, stored", err, len(regs), kinds(regs))
			case tt.wantField != "" && (!errors.As(err, &ve) || ve.Field != tt.wantField):
				t.Fatalf("err = %v, want a ValidationError of %s", err, tt.wantField)
			case tt.wantField != "" && len(regs) != 0:
				t.Fatalf("%d registrations sent (%v), want none", len(regs), regs[0].Reason)
			case tt.wantField != "" && !strings.Contains(err.Error(), "longer than the 255 the platform stores"):
				t.Errorf("err = %v, does not say why", err)
			}
		})
	}
}
