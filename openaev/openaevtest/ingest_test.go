package openaevtest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// injectRead returns what GET /api/injects/{id} answers: the status and
// the number of COMPLETE traces.
func injectRead(t *testing.T, p *openaevtest.Platform, id string) (status string, completes int) {
	t.Helper()
	st, body := get(t, p, "/api/injects/"+id)
	if st != 200 {
		t.Fatalf("GET inject %s: %d %s", id, st, body)
	}
	var doc struct {
		Status struct {
			Name   string `json:"status_name"`
			Traces []struct {
				Action string `json:"execution_action"`
			} `json:"status_traces"`
		} `json:"inject_status"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tr := range doc.Status.Traces {
		if tr.Action == "COMPLETE" {
			completes++
		}
	}
	return doc.Status.Name, completes
}

// findingsRead returns how many findings the findings search answers.
func findingsRead(t *testing.T, p *openaevtest.Platform, id string) int {
	t.Helper()
	st, reply := postJSON(t, p, "/api/findings/injects/"+id+"/search", map[string]any{"page": 0, "size": 100})
	if st != 200 {
		t.Fatalf("findings search %d %v", st, reply)
	}
	content, _ := reply["content"].([]any)
	return len(content)
}

// TestQueuedCallbackIsNotReadBackBeforeIngest (rule 3): a queued
// "complete" is answered 200 and changes nothing the platform answers
// (the inject PENDING without a COMPLETE trace, no finding) until the
// worker processes it.
func TestQueuedCallbackIsNotReadBackBeforeIngest(t *testing.T) {
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		t.Run(v.String(), func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(v), openaevtest.WithHeldIngestion())
			c := postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
			if c.Outcome != openaevtest.Queued || p.Queue() != 1 || p.Stats().Queued != 1 {
				t.Fatalf("outcome %q, queue %d, stats %+v", c.Outcome, p.Queue(), p.Stats())
			}
			if st, n := injectRead(t, p, "i1"); st != "PENDING" || n != 0 || findingsRead(t, p, "i1") != 0 {
				t.Fatalf("before the worker: status %s, %d COMPLETE traces, findings shown", st, n)
			}
			if n := p.Ingest(); n != 1 {
				t.Fatalf("Ingest settled %d, want 1", n)
			}
			done, _ := p.Terminal("i1")
			if !done.Processed() || p.Queue() != 0 {
				t.Fatalf("after the worker: %s %s, queue %d", done.Outcome, done.Reason, p.Queue())
			}
			if st, n := injectRead(t, p, "i1"); !finished(st) || n != 1 || findingsRead(t, p, "i1") != 2 {
				t.Errorf("after the worker: status %s, %d COMPLETE traces, %d findings", st, n, findingsRead(t, p, "i1"))
			}
		})
	}
}

func finished(status string) bool { return status == "SUCCESS" || status == "EXECUTED" }

// receive adds inject id (of the nmap contract) and receives it.
func receive(t *testing.T, p *openaevtest.Platform, id string) {
	t.Helper()
	p.AddInject(id, nmapContractID)
	if st, _ := postJSON(t, p, "/api/injects/execution/reception/"+id, map[string]any{"tracking_total_count": 1}); st != 200 {
		t.Fatalf("reception %d", st)
	}
}

// TestRepeatedCompleteInQueue (rules 3, 7, 14): a second "complete" of a
// finished inject is held again five times, then saved all the same: with
// findings the inject stores, its batch rolls back and the findings of
// another inject of its worker group (i9: i1's group 0) are lost with
// it, the traces and statuses kept; without findings, it is a second
// COMPLETE trace.
func TestRepeatedCompleteInQueue(t *testing.T) {
	for _, tt := range []struct {
		name     string
		again    map[string]any
		rollback bool
	}{
		{"findings repeated", nmapResult("10.0.0.1", 22), true},
		{"no findings", callback("complete", "SUCCESS", nil), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithHeldIngestion())
			receive(t, p, "i9")
			postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
			p.Ingest()
			second := len(p.Calls("i1"))
			postCallback(t, p, "i1", tt.again)
			for range 5 {
				p.Ingest() // held again each time: i1 is not PENDING
				if c := p.Calls("i1")[second]; c.Outcome != openaevtest.Queued {
					t.Fatalf("second complete settled before its fifth requeue: %s %s", c.Outcome, c.Reason)
				}
			}
			other := postCallback(t, p, "i9", nmapResult("10.0.0.9", 443))
			if other.Outcome != openaevtest.Queued {
				t.Fatalf("i9: %s", other.Outcome)
			}
			if n := p.Ingest(); n != 2 {
				t.Fatalf("the sixth run settled %d, want 2", n)
			}
			again, other := p.Calls("i1")[second], p.Calls("i9")[1]
			_, traces := injectRead(t, p, "i1")
			if !tt.rollback {
				if !again.Processed() || !other.Processed() || traces != 2 || len(p.StoredFindings("i1")) != 2 {
					t.Errorf("i1 again %s %s, i9 %s, %d COMPLETE traces, %d findings", again.Outcome, again.Reason, other.Outcome,
						traces, len(p.StoredFindings("i1")))
				}
				return
			}
			if again.Outcome != openaevtest.Dropped || !strings.Contains(again.Reason, "already stored") {
				t.Errorf("i1 again: %s %s", again.Outcome, again.Reason)
			}
			if other.Outcome != openaevtest.Dropped || !strings.Contains(other.Reason, "failed at its commit") ||
				!strings.Contains(other.Reason, "inject i1") {
				t.Errorf("i9 in the same batch: %s %s", other.Outcome, other.Reason)
			}
			// The traces and statuses were written outside the batch's
			// transaction: only the findings are lost.
			if st, n := injectRead(t, p, "i9"); !finished(st) || n != 1 || len(p.StoredFindings("i9")) != 0 {
				t.Errorf("i9 after the rollback: %s, %d COMPLETE traces, %d findings", st, n, len(p.StoredFindings("i9")))
			}
			if traces != 2 || len(p.StoredFindings("i1")) != 2 {
				t.Errorf("i1: %d COMPLETE traces, %d findings, want 2 and 2", traces, len(p.StoredFindings("i1")))
			}
		})
	}
}

// TestIngestWorker (rule 3): the worker runs on its own every IngestEvery,
// and a held worker at once when a worker group holds more than MaxBatch
// callbacks.
func TestIngestWorker(t *testing.T) {
	for _, tt := range []struct {
		name      string
		opt       openaevtest.Option
		callbacks int
	}{
		{"every", openaevtest.WithIngestEvery(time.Millisecond), 1},
		{"max batch", openaevtest.WithHeldIngestion(), openaevtest.MaxBatch + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, tt.opt)
			for range tt.callbacks {
				postCallback(t, p, "i1", callback("command_execution", "INFO", nil))
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := p.WaitFor(ctx, func() bool { return p.Stats().Processed == tt.callbacks }); err != nil {
				t.Fatalf("%v: stats %+v", err, p.Stats())
			}
		})
	}
}
