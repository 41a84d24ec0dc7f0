package cli

import (
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// A flush's listing counts, without holding them, the pending bodies of
// each backend in the order of its first one (credentials stripped, so
// that a URL with a user:password counts with the same one without), and
// knows a backend of a dead body alone.
func TestListingCountsWithoutHolding(t *testing.T) {
	rec := func(state outbox.State, base string) outbox.Record {
		return outbox.Record{State: state, BaseURL: base, InjectID: "i", TotalChunks: 1}
	}
	recs := []outbox.Record{
		rec(outbox.Dead, "http://127.0.0.1:3"), // dead alone: known, nothing pending
		rec(outbox.Pending, "http://127.0.0.1:2"),
		rec(outbox.Pending, "http://u:p@127.0.0.1:1"),
		rec(outbox.Pending, "http://127.0.0.1:1"),
		rec(outbox.Pending, "http://127.0.0.1:2"),
		rec(outbox.Pending, "http://127.0.0.1:9"),
	}
	var l listing
	seen := 0
	for _, r := range recs {
		l.add(r, &seen)
	}
	tests := []struct {
		configured string
		knows      bool
		want       string
	}{
		{"http://127.0.0.1:9", true, "[http://127.0.0.1:2 http://127.0.0.1:1] map[http://127.0.0.1:1:2 signature bodies http://127.0.0.1:2:2 signature bodies]"},
		{"http://127.0.0.1:3", true, "[http://127.0.0.1:2 http://127.0.0.1:1 http://127.0.0.1:9] map[http://127.0.0.1:1:2 signature bodies http://127.0.0.1:2:2 signature bodies http://127.0.0.1:9:1 signature body]"},
		{"http://127.0.0.1:4", false, "[http://127.0.0.1:2 http://127.0.0.1:1 http://127.0.0.1:9] map[http://127.0.0.1:1:2 signature bodies http://127.0.0.1:2:2 signature bodies http://127.0.0.1:9:1 signature body]"},
	}
	for _, tt := range tests {
		t.Run(tt.configured, func(t *testing.T) {
			if got := l.knows(tt.configured); got != tt.knows {
				t.Errorf("knows = %v, want %v", got, tt.knows)
			}
			order, counts := l.pendingElsewhere(tt.configured)
			if got := fmt.Sprint(order, counts); got != tt.want {
				t.Errorf("pending elsewhere %s, want %s", got, tt.want)
			}
		})
	}
	if len(l.bases) != 5 {
		t.Errorf("%d counts held for %d records, want one per backend (5)", len(l.bases), len(recs))
	}
}
