package openaevtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestWorkerGroup (rule 3): a callback is held under Java's
// injectId.hashCode() % 8, the sign kept. The hashes and groups are
// OpenJDK 21's (String.hashCode, then % 8, printed by a one-line
// java program).
func TestWorkerGroup(t *testing.T) {
	for _, tt := range []struct {
		id    string
		group int
	}{
		{"", 0},
		{"i1", 0},                 // 3304
		{"i2", 1},                 // 3305
		{"i9", 0},                 // 3312
		{"polygenelubricants", 0}, // -2147483648
		{"8f0c5b2e-1111-4c2b-9a55-0123456789ab", 6},  // 1963613566
		{"0b9c6f1e-7a2d-4e43-9c1b-5d2f3a4b6c7d", -6}, // -532216654
		{"inject-ß", 3},   // 283676579
		{"x😀", 3},         // 1888219: the emoji is two UTF-16 units
		{"zzzzzzzzzz", 0}, // -1580979136
	} {
		if got := openaevtest.WorkerGroup(tt.id); got != tt.group {
			t.Errorf("WorkerGroup(%q) = %d, want %d", tt.id, got, tt.group)
		}
	}
}

// TestBatchPerWorkerGroup (rules 3, 14): each worker group is a batch of
// its own. A "complete" repeating a finding fails its batch: the
// callbacks of the injects in its group go with it, those of any other
// group (a negative group too, not the positive one of the same
// remainder) are processed.
func TestBatchPerWorkerGroup(t *testing.T) {
	const (
		sameGroup = "i9"                                   // group 0, as i1
		otherOne  = "i2"                                   // group 1
		negative  = "0b9c6f1e-7a2d-4e43-9c1b-5d2f3a4b6c7d" // group -6
		positive  = "8f0c5b2e-1111-4c2b-9a55-0123456789ab" // group 6
	)
	p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24), openaevtest.WithHeldIngestion())
	for _, id := range []string{sameGroup, otherOne, negative, positive} {
		receive(t, p, id)
	}
	postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
	postCallback(t, p, negative, nmapResult("10.0.0.1", 22))
	p.Ingest()
	for _, id := range []string{"i1", negative} { // received again: PENDING
		if st, _ := postJSON(t, p, "/api/injects/execution/reception/"+id, map[string]any{"tracking_total_count": 1}); st != 200 {
			t.Fatalf("reception of %s: %d", id, st)
		}
	}
	// Groups 0 and -6 each get a "complete" repeating a stored finding.
	postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
	postCallback(t, p, negative, callback("command_execution", "INFO", nil))
	postCallback(t, p, negative, nmapResult("10.0.0.1", 22))
	for _, id := range []string{sameGroup, otherOne, positive} {
		postCallback(t, p, id, nmapResult("10.0.0.2", 80))
	}
	p.Ingest()
	for _, tt := range []struct {
		id, call string // call: the callback's index among the inject's, as text
		failed   string // the inject whose callback failed the batch, "" for none
	}{
		{sameGroup, "last", "i1"},
		{negative, "first", negative},
		{otherOne, "last", ""},
		{positive, "last", ""},
	} {
		calls := p.Calls(tt.id)
		c := calls[len(calls)-1]
		if tt.call == "first" {
			c = calls[len(calls)-2]
		}
		lost := c.Outcome == openaevtest.Dropped && strings.Contains(c.Reason, "inject "+tt.failed)
		if tt.failed == "" {
			lost = !c.Processed()
		}
		if lost != (tt.failed != "") {
			t.Errorf("%s (group %d), %s callback: %s %s; want lost with the batch of %q", tt.id,
				openaevtest.WorkerGroup(tt.id), tt.call, c.Outcome, c.Reason, tt.failed)
		}
	}
}

// TestFullWorkerGroupRunsAtOnce (rule 3): a held worker runs a group at
// once when it holds more than MaxBatch callbacks, not before; the
// other groups stay held.
func TestFullWorkerGroupRunsAtOnce(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithHeldIngestion())
	receive(t, p, "i2") // group 1
	postCallback(t, p, "i2", callback("command_execution", "INFO", nil))
	for range openaevtest.MaxBatch + 1 {
		postCallback(t, p, "i1", callback("command_execution", "INFO", nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.WaitFor(ctx, func() bool { return p.Stats().Processed == openaevtest.MaxBatch+1 }); err != nil {
		t.Fatalf("%v: stats %+v", err, p.Stats())
	}
	if p.Queue() != 1 {
		t.Errorf("held after group 0 ran: %d, want i2's 1", p.Queue())
	}
}
