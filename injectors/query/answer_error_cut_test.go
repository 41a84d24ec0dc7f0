package query

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
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
