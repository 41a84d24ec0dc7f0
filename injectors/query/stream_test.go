package query

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"
)

// TestShodanOversizedAnswerMemory: an engine's answer is decoded from the
// response body as it arrives, never held whole: a refused page of many
// matches (the tester's held 243 854 in 60 MiB, under the 64 MiB cap)
// allocates no more than one a match past the limit, the smallest refused
// page, as the page of 101 matches is read no further than its 101st.
func TestShodanOversizedAnswerMemory(t *testing.T) {
	const refused = "shodan: page 1: decode search response: matches: more than 100 on one page, more than a Shodan page holds"
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	e := New()
	if err := e.Configure(map[string]string{SettingShodanBaseURL: srv.URL, SettingShodanAPIKey: testKey, SettingRequestTimeout: "30s"}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	e.minGap = time.Nanosecond
	t.Cleanup(func() { _ = e.Close() })
	p, err := e.provider(ProviderShodan, zap.NewNop())
	if err != nil {
		t.Fatalf("provider: %v", err)
	}
	allocated := func(page []byte) uint64 {
		body = page
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := p.Search(context.Background(), "apache", 1000)
		runtime.ReadMemStats(&after)
		if err == nil || err.Error() != refused {
			t.Fatalf("Search of %d bytes: %v, want %q", len(page), err, refused)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	base := allocated(sizedPage(101))
	for _, tt := range []struct {
		name    string
		matches int
	}{{"a page of 1000 matches", 1000}, {"a page of 50000 matches", 50000}} {
		t.Run(tt.name, func(t *testing.T) {
			page := sizedPage(tt.matches)
			got, limit := allocated(page), 2*base+256<<10
			t.Logf("a page of %d bytes allocated %d bytes (a page of 101 matches %d)", len(page), got, base)
			if got > limit {
				t.Errorf("a page of %d bytes allocated %d bytes, want at most %d (a page of 101 matches allocated %d)",
					len(page), got, limit, base)
			}
		})
	}
}
