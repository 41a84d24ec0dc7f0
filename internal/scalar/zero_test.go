package scalar

import (
	"errors"
	"fmt"
	"testing"
)

// ZeroAdvice completes ErrRoundsToZero alone, wrapped or not.
func TestZeroAdvice(t *testing.T) {
	rounds := fmt.Errorf("0.1ns: %w", ErrRoundsToZero)
	other := errors.New("not a duration")
	tests := []struct {
		name      string
		err       error
		zeroTaken bool
		what      string
		want      string
	}{
		{"0 taken", rounds, true, "the setting", rounds.Error() + " (write 0 for none)"},
		{"0 refused", rounds, false, "the field", rounds.Error() + " (leave the field out for the default)"},
		{"no default", rounds, false, "", rounds.Error()},
		{"another error", other, true, "the field", other.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ZeroAdvice(tt.err, tt.zeroTaken, tt.what)
			if err.Error() != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, want %q wrapping %v", err, tt.want, tt.err)
			}
		})
	}
}
