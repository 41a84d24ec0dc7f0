package query

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/httpx"
)

// A 200 answer's "error" text is cut where the answer is read, as a
// non-2xx answer's is: at most 4 KiB, the API key redacted before the
// cut (a key echoed across it never shows in part), and the credits
// message still classified.
func TestAnswerErrorOn200Cut(t *testing.T) {
	tests := []struct {
		name, message string
		wantIs        error
	}{
		{"huge message", strings.Repeat("E", 1<<20), nil},
		{"key echoed across the cut", strings.Repeat("E", 4<<10-4) + testKey + strings.Repeat("E", 8<<10), nil},
		{"credits message, huge", "Insufficient query credits " + strings.Repeat("E", 1<<20), ErrNoQueryCredits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(shodantest.Reply{Status: 200, Body: shodantest.ErrorBody(tt.message)})
			s, _ := newShodan(t, srv, nil, nil)
			_, err := s.Search(context.Background(), "nginx", 100)
			ae, ok := errors.AsType[*APIError](err)
			switch {
			case !ok:
				t.Fatalf("err = %v, want an *APIError", err)
			case len(ae.Message) > 4<<10:
				t.Errorf("message of %d bytes, want at most %d", len(ae.Message), 4<<10)
			case len(err.Error()) > 8<<10:
				t.Errorf("error of %d bytes, want its message cut", len(err.Error()))
			case strings.Contains(err.Error(), testKey[:8]):
				t.Errorf("the key, or its start, in %q", err.Error()[max(0, len(err.Error())-200):])
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("err = %v, want errors.Is %v", err.Error()[:100], tt.wantIs)
			}
		})
	}
}

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

// TestErrorBodyWithheld checks that an error answer withheld for echoing
// the key (its text is not JSON) keeps its note in the query_error's
// message, so that it tells why nothing of the answer is shown, and that
// Shodan's JSON error still gives its "error" text.
func TestErrorBodyWithheld(t *testing.T) {
	const key = "h106shodanKEYabcdefghij0123456789"
	echo := "bad key:\n" + key[:10] + "\n" + key[10:]
	tests := []struct {
		name, answer, want string
	}{
		{name: "echo of the key split over lines", answer: echo, want: httpx.WithheldText(len(echo))},
		{name: "JSON error", answer: `{"error": "Invalid API key"}`, want: "Invalid API key"},
		{name: "not JSON", answer: "<html>bad gateway</html>", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := httpx.ReadErrorBody(strings.NewReader(tt.answer), key)
			if got := errorBody([]byte(body)); got != tt.want {
				t.Errorf("errorBody(%q) = %q, want %q", body, got, tt.want)
			}
			if got := newAPIError(401, errorBody([]byte(body)), 0).Error(); tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("the query error %q does not tell %q", got, tt.want)
			}
		})
	}
}
