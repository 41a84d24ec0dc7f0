package serve

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// A consumer tag is the daemon's name, the pid and the sequence number,
// the name cut at a character's boundary to fit an AMQP short string.
func TestConsumerTagFitsAShortString(t *testing.T) {
	suffix := fmt.Sprintf("-%d-7", os.Getpid())
	for _, tt := range []struct {
		name, want string
	}{
		{"injectkit-nmap", "injectkit-nmap" + suffix},
		{strings.Repeat("n", maxShortStr-len(suffix)), strings.Repeat("n", maxShortStr-len(suffix)) + suffix},
		{strings.Repeat("n", 300), strings.Repeat("n", maxShortStr-len(suffix)) + suffix},
		// "é" is two bytes: the cut falls inside one, which goes whole.
		{"x" + strings.Repeat("é", 200), "x" + strings.Repeat("é", (maxShortStr-len(suffix)-1)/2) + suffix},
	} {
		got := consumerTag(tt.name, 7)
		if got != tt.want || len(got) > maxShortStr || !utf8.ValidString(got) {
			t.Errorf("consumerTag(%d bytes) = %q (%d bytes), want %q", len(tt.name), got, len(got), tt.want)
		}
	}
}
