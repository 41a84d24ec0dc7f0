package transport

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

func TestTransmissionErrorMessage(t *testing.T) {
	tests := []struct {
		err  *TransmissionError
		want string
	}{
		{&TransmissionError{Status: 400, Body: "bad", Attempts: 1, Total: 1, kind: failPermanent},
			`callback rejected: status 400: "bad"`},
		{&TransmissionError{Status: 503, Attempts: 4, Total: 1, kind: failExhausted},
			`callback failed after 4 attempts: status 503`},
		{&TransmissionError{Status: 503, Attempts: 1, Total: 1, kind: failExhausted},
			`callback failed after 1 attempt: status 503`}, // t75: not "1 attempts"
		{&TransmissionError{Err: errors.New("connection refused"), Attempts: 4, Total: 3, Chunk: 0, kind: failExhausted},
			`callback failed after 4 attempts: connection refused (chunk 0 of 3; delivered chunks none)`},
		{&TransmissionError{Status: 409, Attempts: 1, Total: 6, Chunk: 4, Delivered: []int{0, 1, 2, 3}, kind: failOther},
			`callback not accepted for now (a later try may succeed): status 409 (chunk 4 of 6; delivered chunks 0-3)`},
		// t50: a 307 keeps the body pending: not "rejected".
		{&TransmissionError{Status: 307, Attempts: 1, Total: 1, kind: failOther},
			`callback not delivered: status 307: redirected with no Location; redirects are not followed: a later try may get an answer, or fix the backend URL (--backend-url)`},
		// t67: a 301 names where it pointed, and promises no later try.
		{&TransmissionError{Status: 301, Body: "<html>", Attempts: 1, Total: 1, kind: failOther,
			cause: &httpx.HTTPError{Status: 301, Location: "https://h/api"}},
			`callback not delivered: status 301: redirected to https://h/api for good; redirects are not followed: fix the backend URL (--backend-url), for example http:// to https://`},
		{&TransmissionError{Err: context.Canceled, Total: 2, Chunk: 1, Delivered: []int{0}, kind: failOther},
			`callback failed: context canceled (chunk 1 of 2; delivered chunks 0)`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
		}
	}
}

func TestTransmissionErrorIs(t *testing.T) {
	perm := &TransmissionError{Status: 404, kind: failPermanent}
	exh := &TransmissionError{Status: 500, kind: failExhausted}
	other := &TransmissionError{Status: 409, kind: failOther, Err: context.DeadlineExceeded}
	wrapped := fmt.Errorf("deliver: %w", perm)
	checks := []struct {
		err    error
		target error
		want   bool
	}{
		{perm, ErrPermanent, true}, {perm, ErrRetriesExhausted, false},
		{exh, ErrRetriesExhausted, true}, {exh, ErrPermanent, false},
		{other, ErrPermanent, false}, {other, ErrRetriesExhausted, false}, {other, context.DeadlineExceeded, true},
		{wrapped, ErrPermanent, true},
	}
	for i, c := range checks {
		if got := errors.Is(c.err, c.target); got != c.want {
			t.Errorf("%d: errors.Is(%v, %v) = %v", i, c.err, c.target, got)
		}
	}
	if !perm.Permanent() || exh.Permanent() {
		t.Error("Permanent() disagrees with ErrPermanent")
	}
}

// LeastFit finds the least size that fits, wherever it lies in the range,
// and 0 when none does.
func TestLeastFit(t *testing.T) {
	tests := []struct {
		name         string
		lo, hi, need int // need: the least size that fits
		want         int
	}{
		{"the first", 10, 100, 10, 10},
		{"the next", 10, 100, 11, 11},
		{"in the middle", 10, 100, 57, 57},
		{"the last", 10, 100, 100, 100},
		{"past the range", 10, 100, 101, 0},
		{"far", 553, 1<<31 - 1, 1 << 30, 1 << 30},
		{"empty range", 10, 9, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got := LeastFit(tt.lo, tt.hi, func(size int) bool {
				calls++
				return size >= tt.need
			})
			if got != tt.want {
				t.Errorf("LeastFit(%d, %d) = %d, want %d", tt.lo, tt.hi, got, tt.want)
			}
			if calls > 64 {
				t.Errorf("%d calls, want O(log)", calls)
			}
		})
	}
}
