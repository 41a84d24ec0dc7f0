package openaev_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// TestRegisterIconNamedByTheType: with an icon, the platform uploads it as
// <injector_type>.png, a name its MinIO refuses past 255 bytes (the whole
// registration a 500): a type of 252 bytes or more is refused with an
// icon before anything is sent, naming injector_type; 251 bytes register
// with the icon, and 255 four-byte characters (1020 bytes) without one.
func TestRegisterIconNamedByTheType(t *testing.T) {
	icon := []byte("\x89PNG\r\n\x1a\n....")
	fits := strings.Repeat("t", openaev.MaxIconObjectName-len(".png"))
	wide := strings.Repeat("\U0001F600", openaev.MaxInjectorName)
	for _, tt := range []struct {
		name, typ string
		icon      []byte
		refused   bool
	}{
		{"251 bytes, an icon", fits, icon, false},
		{"252 bytes, an icon", fits + "t", icon, true},
		{"255 four-byte characters, an icon", wide, icon, true},
		{"255 four-byte characters, no icon", wide, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			regs, err := registerOnce(t, openaev.Config{InjectorType: tt.typ, Icon: tt.icon}, true)
			var ve *openaev.ValidationError
			switch {
			case !tt.refused && (err != nil || len(regs) != 1 || !regs[0].Accepted()):
				t.Fatalf("err = %v, %d registrations (%v); want one, stored", err, len(regs), kinds(regs))
			case !tt.refused && (len(regs[0].Icon) > 0) != (tt.icon != nil):
				t.Errorf("icon sent: %v, want %v", len(regs[0].Icon) > 0, tt.icon != nil)
			case tt.refused && (!errors.As(err, &ve) || ve.Field != "injector_type" || !strings.Contains(err.Error(), "too long to name its icon")):
				t.Fatalf("err = %v, want a ValidationError of injector_type saying why", err)
			case tt.refused && len(regs) != 0:
				t.Fatalf("%d registrations sent, want none", len(regs))
			}
		})
	}
}
