package runtime_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/runtime"
)

// A long message is cut at MaxLoggedMessage bytes, back to the start of a
// rune the cut would split (never more than a rune's bytes back: bytes
// that are not UTF-8 are cut where they stand), and says how much was cut.
func TestLoggedMessageCut(t *testing.T) {
	const limit = runtime.MaxLoggedMessage
	tests := []struct {
		name string
		msg  string
		want string // the start kept
		cut  int    // bytes cut
	}{
		{"whole", strings.Repeat("x", limit), strings.Repeat("x", limit), 0},
		{"ascii", strings.Repeat("x", limit+5), strings.Repeat("x", limit), 5},
		{"on a boundary", strings.Repeat("é", limit/2+1), strings.Repeat("é", limit/2), 2},
		{"splitting é", "x" + strings.Repeat("é", limit/2+1), "x" + strings.Repeat("é", limit/2-1), 4},
		{"splitting a 4-byte rune after 3", strings.Repeat("x", limit-3) + "😀" + "tail", strings.Repeat("x", limit-3), 8},
		{"splitting a 4-byte rune after 1", strings.Repeat("x", limit-1) + "😀" + "tail", strings.Repeat("x", limit-1), 8},
		{"not UTF-8", strings.Repeat("\x80", 9000), strings.Repeat("\x80", limit), 9000 - limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runtime.LoggedMessage(tt.msg, nil)
			want := tt.want
			if tt.cut > 0 {
				want += "… (" + strconv.Itoa(tt.cut) + " bytes cut)"
			}
			if got != want {
				t.Errorf("got %d bytes ending %q, want %d ending %q", len(got), got[max(0, len(got)-40):], len(want), want[max(0, len(want)-40):])
			}
		})
	}
}
