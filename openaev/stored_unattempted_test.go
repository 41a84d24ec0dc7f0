package openaev_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestStoredCompleteWithoutAttemptWaitsForTheWindow: kill -9 of the
// process sending a "complete" leaves its body stored with no attempt
// recorded and no note (a lazy write), though the platform may hold it
// queued. A flush after the restart within the ingestion window since the
// body was stored sends nothing, the body due when that window ends; a
// flush after it sends it once.
func TestStoredCompleteWithoutAttemptWaitsForTheWindow(t *testing.T) {
	const id, window = "i-lost", 30 * time.Second
	clock := newWindowClock()
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
		platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, window: window, now: clock.Now})
	keep(t, s, nmapAssetsMessage(t, s.env, id, 2))
	// The body as the killed process left it: stored, no attempt.
	recs, err := s.store.List()
	if err != nil {
		t.Fatal(err)
	}
	var entries []outbox.Entry
	var ids []uint64
	for _, r := range recs {
		full, err := s.store.Get(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, outbox.Entry{InjectID: r.InjectID, Phase: r.Phase, ChunkIndex: r.ChunkIndex, TotalChunks: r.TotalChunks,
			BaseURL: r.BaseURL, Body: full.Body, Profile: r.Profile, Path: r.URL[len(r.BaseURL):], InjectorID: r.InjectorID})
		ids = append(ids, r.ID)
	}
	if err := s.store.Delete(ids...); err != nil {
		t.Fatal(err)
	}
	stored := clock.Now()
	if _, err := s.store.Put(entries...); err != nil {
		t.Fatal(err)
	}
	// The crash: the store closed without delivering, then reopened.
	path := s.store.Path()
	if err := s.store.Close(); err != nil {
		t.Fatal(err)
	}
	if s.store, err = outbox.Open(path, outbox.Options{Secrets: []string{testToken}, Now: clock.Now}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.store.Close() })
	before, _ := completeCalls(s.platform, id)
	resend := func() {
		rs := &outbox.Resender{Store: s.store, Select: s.profile.Owns,
			Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: s.profile}, nil }}
		_, _ = rs.Flush(context.Background())
	}
	tests := []struct {
		name    string
		advance time.Duration
		sent    int
	}{
		{"within the window since it was stored: not sent", 20 * time.Second, 0},
		{"after the window: sent once", window, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Add(tt.advance)
			resend()
			if got, _ := completeCalls(s.platform, id); got-before != tt.sent {
				t.Errorf("the platform received %d completes, want %d", got-before, tt.sent)
			}
			if tt.sent == 0 {
				recs, err := s.store.List()
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					if r.ChunkIndex == 0 && !r.NextAttempt.Equal(stored.Add(window)) {
						t.Errorf("complete due %s, want at the window's end %s", r.NextAttempt, stored.Add(window))
					}
				}
			}
		})
	}
	for range 3 {
		s.platform.Ingest()
	}
	resend()
	checkTakenOnce(t, s.platform, id)
	for _, c := range s.platform.Dropped() {
		t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
	}
}
