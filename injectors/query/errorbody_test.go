package query

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

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
