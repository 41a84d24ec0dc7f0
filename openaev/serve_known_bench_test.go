package openaev

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkSentBefore is the cost a message of an inject nothing knows
// adds to its handling (tester t99's finding 1): map lookups, the
// profile's notes and the lost handlings holding 10 000 other injects.
func BenchmarkSentBefore(b *testing.B) {
	c, err := NewClient(Config{URL: "http://127.0.0.1:1", Token: "t", InjectorID: "00000000-0000-0000-0000-000000000001"})
	if err != nil {
		b.Fatal(err)
	}
	p := NewProfile(c, nil, nil, WithIngestWindow(time.Minute))
	h := NewHandler(HandlerConfig{Processor: &Processor{profile: p}})
	for i := range 10_000 {
		id := "known-" + strconv.Itoa(i)
		p.noteComplete(b.Context(), id, time.Time{})
		h.NoteAckLost(id)
	}
	b.ReportAllocs()
	for b.Loop() {
		if by, _, _ := h.sentBefore("i-unknown"); by != "" {
			b.Fatal("an unknown inject known")
		}
	}
}
