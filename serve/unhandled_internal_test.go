package serve

import "testing"

// TestUnhandledNamesMessagesNoHandlerSaw checks that a message the daemon
// returned to the queue unhandled (prefetched at a pause) is named
// Returned when the broker redelivers it, once: a message another
// consumer may have handled before (redelivered when returned) or one a
// handler saw is not.
func TestUnhandledNamesMessagesNoHandlerSaw(t *testing.T) {
	type step struct {
		op          string // "return" (unhandled), or "take" (handed to the handler)
		body        string
		redelivered bool // the broker's flag on the delivery returned
		want        bool // take: Returned
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first delivery returned: Returned when it comes back, once", []step{
			{op: "return", body: "a"}, {op: "take", body: "a", want: true}, {op: "take", body: "a"},
		}},
		{"returned at two pauses in a row: still never handled", []step{
			{op: "return", body: "a"}, {op: "return", body: "a", redelivered: true}, {op: "take", body: "a", want: true},
		}},
		{"a redelivery returned, never seen here: maybe handled elsewhere", []step{
			{op: "return", body: "a", redelivered: true}, {op: "take", body: "a"},
		}},
		{"handled, then returned redelivered: not Returned", []step{
			{op: "return", body: "a"}, {op: "take", body: "a", want: true},
			{op: "return", body: "a", redelivered: true}, {op: "take", body: "a"},
		}},
		{"each message its own", []step{
			{op: "return", body: "a"}, {op: "take", body: "b"}, {op: "take", body: "a", want: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u unhandled
			for i, s := range tt.steps {
				if s.op == "return" {
					u.returned([]byte(s.body), s.redelivered)
					continue
				}
				if got := u.take([]byte(s.body)); got != s.want {
					t.Errorf("step %d: take %q = %v, want %v", i, s.body, got, s.want)
				}
			}
		})
	}
	var u unhandled
	for i := range maxKeys + 10 {
		u.returned([]byte{byte(i), byte(i >> 8)}, false)
	}
	if len(u.n) > maxKeys {
		t.Errorf("%d messages remembered, want at most %d", len(u.n), maxKeys)
	}
}
