package signatures_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// LookupHosts resolves with the Manager's resolver, each name once,
// several at once but at most 16, and all within one lookup timeout: a
// name that does not answer by then, or does not resolve, has no address.
func TestLookupHosts(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		slow  map[string]bool // names whose lookup never answers
		want  map[string][]netip.Addr
		calls int
	}{
		{"resolved, unmapped, once each", []string{"a.lan", "b.lan", "a.lan", "gone.lan"}, nil,
			map[string][]netip.Addr{"a.lan": {netip.MustParseAddr("127.0.1.1")}, "b.lan": {netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("::1")},
				"gone.lan": nil}, 3},
		{"a name that never answers", []string{"a.lan", "hang.lan"}, map[string]bool{"hang.lan": true},
			map[string][]netip.Addr{"a.lan": {netip.MustParseAddr("127.0.1.1")}, "hang.lan": nil}, 2},
		{"none", nil, nil, map[string][]netip.Addr{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				calls := 0
				r := signatures.Resolver{LookupHost: func(ctx context.Context, host string) ([]string, error) {
					mu.Lock()
					calls++
					mu.Unlock()
					switch {
					case tt.slow[host]:
						<-ctx.Done()
						return nil, ctx.Err()
					case host == "a.lan":
						return []string{"127.0.1.1"}, nil
					case host == "b.lan":
						return []string{"::ffff:127.0.0.2", "::1", "not an address"}, nil
					}
					return nil, errors.New("no such host")
				}}
				start := time.Now()
				got := signatures.NewManager(signatures.WithResolver(r)).LookupHosts(context.Background(), tt.names)
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("LookupHosts = %v, want %v", got, tt.want)
				}
				if calls != tt.calls {
					t.Errorf("%d lookups, want %d", calls, tt.calls)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("took %v, past the lookup timeout", d)
				}
			})
		})
	}
}

// LookupHosts looks 16 names up at once, no more, and a resolver without
// LookupHost resolves nothing.
func TestLookupHostsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		inFlight, most := 0, 0
		full, filled := make(chan struct{}), false
		r := signatures.Resolver{LookupHost: func(ctx context.Context, host string) ([]string, error) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			if inFlight == 16 && !filled { // once: later names may reach 16 at once again
				filled = true
				close(full)
			}
			mu.Unlock()
			select { // the first 16 wait for each other: one at a time would never get there
			case <-full:
			case <-ctx.Done():
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
			return []string{"192.0.2.1"}, nil
		}}
		var names []string
		for i := range 40 {
			names = append(names, fmt.Sprintf("h%d.lan", i))
		}
		got := signatures.NewManager(signatures.WithResolver(r)).LookupHosts(context.Background(), names)
		if len(got) != len(names) || most != 16 {
			t.Errorf("%d names resolved, at most %d at once; want %d, 16", len(got), most, len(names))
		}
	})
	got := signatures.NewManager(signatures.WithResolver(signatures.Resolver{})).LookupHosts(context.Background(), []string{"localhost"})
	if len(got) != 0 {
		t.Errorf("a resolver without LookupHost resolved %v", got)
	}
}
