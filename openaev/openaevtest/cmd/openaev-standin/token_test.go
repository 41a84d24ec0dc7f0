package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenRoute: POST /token on the stats server renews the platform's
// token, as a user's renewal does: the one before is refused 401 from
// then on, the new one taken; a blank body, or one holding a space or a
// control char, is a 400, the token unchanged.
func TestTokenRoute(t *testing.T) {
	statsFile := filepath.Join(t.TempDir(), "stats")
	url, stop := start(t, "-token", "tok", "-inject", "inj-1", "-stats-url-file", statsFile, "-ingest-every", "0")
	defer stop()
	statsURL, err := os.ReadFile(statsFile)
	if err != nil {
		t.Fatal(err)
	}
	renew := func(body string) int {
		t.Helper()
		resp, err := http.Post(string(statsURL)+"/token", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const reception = "/api/injects/execution/reception/inj-1"
	for _, bad := range []string{"", "  ", "a b", "tok\x01"} {
		if got := renew(bad); got != http.StatusBadRequest {
			t.Errorf("POST /token %q: %d, want 400", bad, got)
		}
	}
	if got := post(t, url, reception, "tok", `{"tracking_total_count":1}`); got != http.StatusOK {
		t.Fatalf("reception with the token after refused renewals: %d, want 200", got)
	}
	if got := renew("tok-2\n"); got != http.StatusNoContent {
		t.Fatalf("POST /token: %d, want 204", got)
	}
	if got := post(t, url, reception, "tok", `{"tracking_total_count":1}`); got != http.StatusUnauthorized {
		t.Errorf("reception with the token before the renewal: %d, want 401", got)
	}
	if got := post(t, url, reception, "tok-2", `{"tracking_total_count":1}`); got != http.StatusOK {
		t.Errorf("reception with the renewed token: %d, want 200", got)
	}
}
