package query

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
)

// cutLines returns s cut into lines of n bytes.
func cutLines(s string, n int) string {
	var lines []string
	for i := 0; i < len(s); i += n {
		lines = append(lines, s[i:min(len(s), i+n)])
	}
	return strings.Join(lines, "\n")
}

// A Shodan answer's "error" text that echoes the API key split over lines
// (JSON-escaped "\n" in the body, line breaks once decoded) or in a
// hexdump is withheld whole (the message notes it, or is empty when the
// raw body was withheld already), whatever the answer's status: word-by-word
// redaction cannot see the key there, and the check of the raw body sees
// the escapes, not the line breaks. An ordinary error text is shown.
func TestAnswerErrorSplitEchoWithheld(t *testing.T) {
	keyLine := []byte("key=" + testKey + "\n")
	var dump []string
	for i := 0; i < len(keyLine); i += 16 {
		chunk := keyLine[i:min(len(keyLine), i+16)]
		dump = append(dump, hex.EncodeToString(chunk)+"  "+strings.ReplaceAll(string(chunk), "\n", "."))
	}
	tests := []struct {
		name, message string
		withheld      bool
	}{
		{"key split over lines", "bad key\n" + cutLines(testKey, 7), true},
		{"key in a hexdump", "request was:\n" + strings.Join(dump, "\n"), true},
		{"ordinary", "Invalid API key", false},
	}
	for _, status := range []int{200, 202, 401} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%d %s", status, tt.name), func(t *testing.T) {
				srv := newStandIn(t)
				srv.Enqueue(shodantest.Reply{Status: status, Body: shodantest.ErrorBody(tt.message)})
				s, _ := newShodan(t, srv, nil, nil)
				_, err := s.Search(context.Background(), "nginx", 100)
				ae, ok := errors.AsType[*APIError](err)
				if !ok {
					t.Fatalf("status %d: err = %v, want an *APIError", status, err)
				}
				if !tt.withheld {
					if ae.Message != tt.message {
						t.Errorf("status %d: message %q, want %q", status, ae.Message, tt.message)
					}
					return
				}
				flat := strings.Join(strings.Fields(err.Error()), "")
				for i := 0; i+12 <= len(testKey); i++ {
					for _, piece := range []string{testKey[i : i+12], hex.EncodeToString([]byte(testKey))[2*i : 2*i+24]} {
						if strings.Contains(flat, piece) {
							t.Fatalf("status %d: a piece %q of the key in %q", status, piece, err.Error())
						}
					}
				}
				// Withheld once decoded, or, when the raw body already
				// showed the key, with the body (no "error" text left).
				if ae.Message != "" && !strings.Contains(ae.Message, "server text withheld") {
					t.Errorf("status %d: message %q, want it withheld", status, ae.Message)
				}
			})
		}
	}
}
