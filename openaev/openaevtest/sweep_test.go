package openaevtest_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// statusRead is what GET /api/injects/{id} answers of an inject's status.
type statusRead struct {
	Status *struct {
		Name   string  `json:"status_name"`
		Sent   *string `json:"tracking_sent_date"`
		End    *string `json:"tracking_end_date"`
		Traces []struct {
			Message string  `json:"execution_message"`
			Action  string  `json:"execution_action"`
			Status  string  `json:"execution_status"`
			Agent   *string `json:"agent"`
		} `json:"status_traces"`
	} `json:"inject_status"`
}

func readStatus(t *testing.T, p *openaevtest.Platform, id string) statusRead {
	t.Helper()
	st, body := get(t, p, "/api/injects/"+id)
	if st != 200 {
		t.Fatalf("GET inject %s: %d %s", id, st, body)
	}
	var r statusRead
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPendingSweep is 2.4.0's InjectsExecutionJob.handlePendingInject
// (rule 17): an inject left PENDING past the threshold since its dispatch
// is finalized with a COMPLETE TIMEOUT trace per primary agent, every
// other trace kept, its status computed from the COMPLETE traces (none:
// ERROR); one within the threshold, or not PENDING, is left alone; an
// injector's "complete" sent afterwards is saved all the same (after the
// requeues), its status computed with the sweep's traces.
func TestPendingSweep(t *testing.T) {
	tests := []struct {
		name      string
		agents    []openaevtest.Agent
		dispatch  bool          // Dispatch before the reception (its INFO trace)
		after     time.Duration // the sweep's time, from the dispatch
		threshold time.Duration // WithPendingThreshold, 0 for the default
		// want is the status after the sweep, then after a late
		// SUCCESS "complete"; swept whether it was.
		want, late string
		swept      bool
	}{
		{"no agent: ERROR, then the complete's SUCCESS", nil, true, 11 * time.Minute, 0, "ERROR", "SUCCESS", true},
		{"two agents: TIMEOUT each, then PARTIAL", []openaevtest.Agent{{ID: "ag1", ExecutedByUser: "root"}, {ID: "ag2", ExecutedByUser: "admin"}},
			true, 11 * time.Minute, 0, "ERROR", "PARTIAL", true},
		{"within the threshold: left PENDING", nil, true, 9 * time.Minute, 0, "PENDING", "SUCCESS", false},
		{"a threshold of 2 minutes", nil, false, 3 * time.Minute, 2 * time.Minute, "ERROR", "SUCCESS", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []openaevtest.Option
			if tt.threshold > 0 {
				opts = append(opts, openaevtest.WithPendingThreshold(tt.threshold))
			}
			p := openaevtest.NewPlatform(t, token, append(opts, openaevtest.WithVersion(openaevtest.Version24))...)
			p.AddInject("i1", nmapContractID)
			p.SetInjectAgents("i1", tt.agents...)
			if tt.dispatch {
				p.Dispatch("i1")
			}
			start := time.Now()
			if swept := p.SweepPending(start.Add(time.Hour)); len(swept) != 0 {
				t.Fatalf("swept %v before the reception: only PENDING injects are", swept)
			}
			if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
				t.Fatalf("reception %d", st)
			}
			before := readStatus(t, p, "i1").Status
			if before.Sent == nil {
				t.Fatal("tracking_sent_date null on a dispatched inject")
			}
			swept := p.SweepPending(start.Add(tt.after))
			if got := slices.Equal(swept, []string{"i1"}); got != tt.swept {
				t.Fatalf("swept %v, want i1 swept %v", swept, tt.swept)
			}
			read := readStatus(t, p, "i1").Status
			if read.Name != tt.want {
				t.Errorf("status %s after the sweep, want %s", read.Name, tt.want)
			}
			if len(read.Traces) != len(before.Traces)+len(tt.agents)*btoi(tt.swept) {
				t.Errorf("%d traces after the sweep, want the %d kept and one per agent", len(read.Traces), len(before.Traces))
			}
			for i, a := range tt.agents {
				if !tt.swept {
					break
				}
				tr := read.Traces[len(before.Traces)+i]
				want := "Agent " + a.ExecutedByUser + " did not respond within the " +
					map[bool]string{true: "2", false: "10"}[tt.threshold == 2*time.Minute] + " minutes threshold."
				if tr.Action != "COMPLETE" || tr.Status != "TIMEOUT" || tr.Agent == nil || *tr.Agent != a.ID || tr.Message != want {
					t.Errorf("trace %+v, want COMPLETE TIMEOUT of agent %s: %q", tr, a.ID, want)
				}
			}
			if tt.dispatch && (len(read.Traces) == 0 || read.Traces[0].Action != "EXECUTION" || read.Traces[0].Status != "INFO" ||
				read.Traces[0].Agent != nil) {
				t.Errorf("traces %+v: want the dispatch's INFO trace kept first", read.Traces)
			}
			if tt.swept && read.End == nil {
				t.Error("tracking_end_date null on a swept inject")
			}
			c := postCallback(t, p, "i1", callback("complete", "SUCCESS", nil))
			if !c.Processed() {
				t.Fatalf("late complete %s: %s", c.Outcome, c.Reason)
			}
			if got := p.InjectStatus("i1"); got != tt.late {
				t.Errorf("status %s after the late complete, want %s", got, tt.late)
			}
			last := readStatus(t, p, "i1").Status.Traces
			if tr := last[len(last)-1]; tr.Action != "COMPLETE" || tr.Agent != nil {
				t.Errorf("the complete's trace %+v: want COMPLETE with no agent", tr)
			}
		})
	}
}

// TestSetInjectStatusIsNoSweep: a status set by hand replaces the
// inject's status, its traces and dates gone (tracking_sent_date null),
// unlike the sweep, which keeps them.
func TestSetInjectStatusIsNoSweep(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24))
	postCallback(t, p, "i1", callback("command_execution", "INFO", nil))
	p.SetInjectStatus("i1", "ERROR")
	read := readStatus(t, p, "i1").Status
	if read.Name != "ERROR" || len(read.Traces) != 0 || read.Sent != nil {
		t.Errorf("after a status set by hand: %+v, want ERROR with no trace and no tracking_sent_date", read)
	}
	if swept := p.SweepPending(time.Now().Add(time.Hour)); len(swept) != 0 {
		t.Errorf("swept %v: a finished inject is not", swept)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestResetInject: an inject without a status (a scenario's before its
// dispatch, a simulation reset) exists: GET answers it with inject_status
// null, while its reception is a 404 (InjectApi.java:374) and a callback
// is lost; Dispatch gives it a status, and its reception is taken again.
func TestResetInject(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24))
	p.ResetInject("i1")
	st, body := get(t, p, "/api/injects/i1")
	if st != 200 || !contains(body, `"inject_status":null`) {
		t.Errorf("GET a reset inject: %d %s, want 200 with inject_status null", st, body)
	}
	if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 404 {
		t.Errorf("reception of a reset inject: %d, want 404", st)
	}
	if c := postCallback(t, p, "i1", callback("command_execution", "INFO", nil)); c.Outcome != openaevtest.Dropped {
		t.Errorf("a trace on a reset inject: %s, want it dropped (no status to add it to)", c.Outcome)
	}
	p.Dispatch("i1")
	if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
		t.Errorf("reception once dispatched: %d, want 200", st)
	}
	if got := p.InjectStatus("i1"); got != "PENDING" {
		t.Errorf("status %s, want PENDING", got)
	}
}

// TestLaunch is 2.4.0's launch of an inject (InjectService.launch →
// Inject.clean): a new status, QUEUING, its tracking_sent_date newer, no
// traces, no findings; dispatched, received and completed again, it ends
// with the new run's complete only.
func TestLaunch(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24))
	outputs := map[string]any{"ports": []any{22}}
	if c := postCallback(t, p, "i1", callback("complete", "SUCCESS", outputs)); c.Outcome != openaevtest.Processed {
		t.Fatalf("complete: %s %s", c.Outcome, c.Reason)
	}
	before := readStatus(t, p, "i1")
	if len(p.Findings("i1")) == 0 || before.Status == nil || before.Status.Name != "SUCCESS" {
		t.Fatalf("before the launch: findings %v, status %+v", p.Findings("i1"), before.Status)
	}
	p.Launch("i1")
	after := readStatus(t, p, "i1")
	switch {
	case after.Status == nil || after.Status.Name != "QUEUING":
		t.Fatalf("status after the launch %+v, want QUEUING", after.Status)
	case len(after.Status.Traces) != 0:
		t.Errorf("traces after the launch %+v, want none", after.Status.Traces)
	case after.Status.Sent == nil || before.Status.Sent != nil && *after.Status.Sent <= *before.Status.Sent:
		t.Errorf("tracking_sent_date %v after the launch, want one newer than %v", after.Status.Sent, before.Status.Sent)
	}
	if f := p.Findings("i1"); len(f) != 0 {
		t.Errorf("findings after the launch %v, want none", f)
	}
	p.Dispatch("i1")
	if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
		t.Fatalf("reception once launched: %d", st)
	}
	if c := postCallback(t, p, "i1", callback("complete", "ERROR", nil)); c.Outcome != openaevtest.Processed {
		t.Fatalf("complete once launched: %s %s", c.Outcome, c.Reason)
	}
	if got := p.InjectStatus("i1"); got != "ERROR" {
		t.Errorf("status %s, want ERROR: the new run's complete alone", got)
	}
}

// TestPendingSweepAgentless: on the current line the sweep finalizes an
// inject none of whose assets has a primary agent with one agentless
// COMPLETE TIMEOUT trace (addAgentlessTimeoutTrace), status ERROR; one
// with agents gets a TIMEOUT trace per agent instead, inactive ones too;
// 2.4.0 adds nothing to an agentless inject.
func TestPendingSweepAgentless(t *testing.T) {
	const agentless = "The inject did not complete within the 10 minutes threshold and was marked as timed out."
	for _, tt := range []struct {
		name    string
		version openaevtest.Version
		agents  []openaevtest.Agent
		want    []string // the traces the sweep adds: agent or "-", then message
	}{
		{"no agent", openaevtest.Current, nil, []string{"- " + agentless}},
		{"an agent", openaevtest.Current, []openaevtest.Agent{{ID: "ag1", ExecutedByUser: "root"}},
			[]string{"ag1 Agent root did not respond within the 10 minutes threshold."}},
		{"no agent, 2.4.0", openaevtest.Version24, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(tt.version))
			p.AddInject("i1", nmapContractID)
			p.SetInjectAgents("i1", tt.agents...)
			p.Dispatch("i1")
			if st, _ := postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1}); st != 200 {
				t.Fatalf("reception %d", st)
			}
			before := len(readStatus(t, p, "i1").Status.Traces)
			if swept := p.SweepPending(time.Now().Add(11 * time.Minute)); !slices.Equal(swept, []string{"i1"}) {
				t.Fatalf("swept %v", swept)
			}
			read := readStatus(t, p, "i1").Status
			var added []string
			for _, tr := range read.Traces[before:] {
				if tr.Action != "COMPLETE" || tr.Status != "TIMEOUT" {
					t.Errorf("trace %+v: want COMPLETE TIMEOUT", tr)
				}
				who := "-"
				if tr.Agent != nil {
					who = *tr.Agent
				}
				added = append(added, who+" "+tr.Message)
			}
			if !slices.Equal(added, tt.want) {
				t.Errorf("the sweep added %q, want %q", added, tt.want)
			}
			if read.Name != "ERROR" {
				t.Errorf("status %s, want ERROR", read.Name)
			}
		})
	}
}
