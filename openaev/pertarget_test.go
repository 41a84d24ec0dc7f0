package openaev_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestPerTargetTraces checks that on the Current line each target with an
// asset gets its own trace, about its asset (execution_context_identifiers),
// saying what ran on it, its outcome and its findings, and that 2.4.x gets
// none.
func TestPerTargetTraces(t *testing.T) {
	tests := []struct {
		name    string
		version openaevtest.Version
		want    map[string]string // asset → message
	}{
		{"current", openaevtest.Current, map[string]string{
			"a1": "nmap on 192.0.2.7: succeeded; scan_results: 2; ports_discovered: 22, 80",
			"a2": "nmap on db01.example.com: succeeded; scan_results: 1; ports_discovered: 443",
		}},
		{"2.4.0", openaevtest.Version24, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, tt.version, openaev.DefaultMaxPayloadSize, false)
			e.nmap.open = map[string][]int{"192.0.2.7": {22, 80}, "db01.example.com": {443}}
			body := e.message(t, "inj-t", "nmap", map[string]any{"target_selector": "assets",
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil, "ag1"),
					asset("endpoint", "a2", "db01.example.com", "", []string{"192.0.2.8"})}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			traces := 0
			for _, c := range e.platform.Calls("inj-t") {
				if c.Kind != openaevtest.KindTrace {
					continue
				}
				traces++
				if !c.Processed() {
					t.Errorf("trace %s: %s", c.Outcome, c.Reason)
				}
				ids, present := c.Body["execution_context_identifiers"]
				if !present {
					continue
				}
				if c.Body["execution_status"] != "INFO" || c.Body["execution_action"] != "command_execution" {
					t.Errorf("per-target trace %v", c.Body)
				}
				list, _ := ids.([]any)
				if len(list) != 1 {
					t.Fatalf("execution_context_identifiers %v", ids)
				}
				got[list[0].(string)] = c.Body["execution_message"].(string)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("per-target traces\n%v\nwant\n%v", got, tt.want)
			}
			if traces != 1+len(tt.want) {
				t.Errorf("%d traces, want the run's and %d per target", traces, len(tt.want))
			}
			done, _ := e.platform.Terminal("inj-t")
			if msg := message(done.Body); msg != "nmap on 2 targets: succeeded (scan_results: 3, ports: 3)" {
				t.Errorf("terminal message %q", msg)
			}
		})
	}
}

// TestPerTargetTraceOfATargetNotReached checks that a target the run did
// not reach gets an ERROR trace naming it and why, no signature, and a
// word in the terminal message; the run keeps its outcome.
func TestPerTargetTraceOfATargetNotReached(t *testing.T) {
	const why = "not scanned: the name does not resolve"
	e := newLimitedEnv(t, openaevtest.Current, openaev.DefaultMaxPayloadSize, false)
	e.nmap.open = map[string][]int{"192.0.2.7": {22}}
	e.nmap.unreached = map[string]string{"db01.example.com": why}
	body := e.message(t, "inj-u", "nmap", map[string]any{"target_selector": "assets",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
		[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil, "ag1"),
			asset("endpoint", "a2", "db01.example.com", "", nil)}, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{} // asset → status, message
	for _, c := range e.platform.Calls("inj-u") {
		if c.Kind == openaevtest.KindTrace && !c.Processed() {
			t.Errorf("trace %s: %s", c.Outcome, c.Reason)
		}
		if ids, ok := c.Body["execution_context_identifiers"].([]any); ok && c.Kind == openaevtest.KindTrace && len(ids) == 1 {
			got[ids[0].(string)] = [2]string{c.Body["execution_status"].(string), c.Body["execution_message"].(string)}
		}
	}
	if want := [2]string{"ERROR", "nmap on db01.example.com: " + why}; got["a2"] != want {
		t.Errorf("trace of a2 %q, want %q", got["a2"], want)
	}
	if got["a1"][0] != "INFO" {
		t.Errorf("trace of a1 %q", got["a1"])
	}
	done, _ := e.platform.Terminal("inj-u")
	if !done.Processed() {
		t.Errorf("terminal callback %s: %s", done.Outcome, done.Reason)
	}
	msg := message(done.Body)
	if !strings.HasPrefix(msg, "nmap on 2 targets: partially succeeded") || !strings.Contains(msg, "; not reached: db01.example.com ("+why+")") {
		t.Errorf("terminal message %q", msg)
	}
	doc, _ := done.Structured()
	sigs, _ := json.Marshal(doc["expectation_signatures"])
	if strings.Contains(string(sigs), `"asset":"a2"`) || !strings.Contains(string(sigs), `"asset":"a1"`) {
		t.Errorf("signatures %s, want a1's alone", sigs)
	}
}

// A target not reached is named once in the terminal message, with why:
// a finding not declared as an output that lists it (nmap's
// unscanned_targets) is not named again, and one that lists others too
// counts those alone.
func TestTerminalMessageNamesATargetNotReachedOnce(t *testing.T) {
	const why = "not scanned: the name does not resolve"
	tests := []struct {
		name      string
		unscanned []string // more than those not reached
		want      string   // the message after "; not reached: db01.example.com (why)"
	}{
		{"listed as not reached alone", nil, ""},
		{"listed with another", []string{"192.0.2.7"}, "; not declared as outputs: unscanned_targets (1 item besides those not reached)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, openaev.DefaultMaxPayloadSize, false)
			e.nmap.unreached = map[string]string{"db01.example.com": why}
			e.nmap.unscanned = tt.unscanned
			body := e.message(t, "inj-o", "nmap", map[string]any{"target_selector": "assets",
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil, "ag1"),
					asset("endpoint", "a2", "db01.example.com", "", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			done, _ := e.platform.Terminal("inj-o")
			msg := message(done.Body)
			_, after, ok := strings.Cut(msg, "; not reached: db01.example.com ("+why+")")
			if !ok || after != tt.want {
				t.Errorf("terminal message %q, want it to end with %q", msg, "; not reached: db01.example.com ("+why+")"+tt.want)
			}
		})
	}
}

// chatty declares one output and finds more: what it does not declare is
// summarised in the terminal message.
type chatty struct{}

func (chatty) Manifest() framework.Manifest {
	return framework.Manifest{Name: "chatty", Category: framework.Network,
		Outputs: []framework.Output{{Type: "text", Field: "summary"}}}
}

func (chatty) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Findings: map[string]any{"summary": "done", "hosts": []string{"a", "b", "c"},
		"banner": "SSH-2.0-OpenSSH_9.6", "empty": []int{}, "none": nil, "meta": map[string]int{"x": 1}}}
}

func TestUndeclaredFindingsSummarised(t *testing.T) {
	e := newEnv(t)
	e.registry.Register("chatty", func() framework.Executor { return chatty{} })
	e.build(append(testManifests(), chatty{}.Manifest()))
	body := e.message(t, "inj-c", "chatty", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	done, _ := e.platform.Terminal("inj-c")
	want := `chatty on 1 target: succeeded; not declared as outputs: banner "SSH-2.0-OpenSSH_9.6", hosts (3 items), meta (1 entry)`
	if msg := message(done.Body); msg != want {
		t.Errorf("message\n%q\nwant\n%q", msg, want)
	}
}

// TestPerTargetTracesCountWhatIsSent checks that a per-target trace counts
// only the findings the terminal callback carries: with a max payload size
// too small for scan_results, the complete leaves it out and no trace
// counts its rows; with room for it, both have it.
func TestPerTargetTracesCountWhatIsSent(t *testing.T) {
	tests := []struct {
		name  string
		limit int64
	}{
		{"room for the findings", openaev.DefaultMaxPayloadSize},
		{"scan_results left out", 2 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, tt.limit, false)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-s", 40)); err != nil {
				t.Fatal(err)
			}
			done, ok := e.platform.Terminal("inj-s")
			if !ok || !done.Processed() {
				t.Fatalf("terminal callback %v", done)
			}
			doc, _ := done.Structured()
			_, sent := doc["scan_results"]
			traces := 0
			for _, c := range e.platform.Calls("inj-s") {
				if _, about := c.Body["execution_context_identifiers"]; c.Kind != openaevtest.KindTrace || !about {
					continue
				}
				traces++
				msg, _ := c.Body["execution_message"].(string)
				if counted := strings.Contains(msg, "scan_results: "); counted != sent {
					t.Errorf("per-target trace %q counts scan_results: %v; the complete carries it: %v", msg, counted, sent)
				}
			}
			if traces != 40 {
				t.Errorf("%d per-target traces, want 40", traces)
			}
		})
	}
}

// TestPerTargetTracesFailureCounts checks that a per-target trace whose
// retries ran out stops the ones after it, and that the WARN saying so
// counts the traces sent, failed and skipped; the terminal callback is
// delivered all the same.
func TestPerTargetTracesFailureCounts(t *testing.T) {
	tests := []struct {
		name                  string
		sendFirst             int // per-target traces the platform takes before it fails one
		sent, failed, skipped int64
	}{
		{"the first fails", 0, 0, 1, 3},
		{"the second fails", 1, 1, 1, 2},
		{"the last fails", 3, 3, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, openaev.DefaultMaxPayloadSize, false)
			var assets []map[string]any
			for i := range 4 {
				ip := "192.0.2." + strconv.Itoa(10+i)
				assets = append(assets, asset("asset", "a"+strconv.Itoa(i), "", ip, nil))
			}
			// The run's trace went before the run: the next per-target
			// traces fail (400: no retry) once sendFirst were taken.
			e.nmap.during = func() { e.platform.FailTraceAfter("inj-t", tt.sendFirst, 400, 1) }
			body := e.message(t, "inj-t", "nmap", map[string]any{"target_selector": "assets"}, assets, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			warns := e.logs.FilterMessageSnippet("per-target traces not delivered").All()
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines about the per-target traces, want 1", len(warns))
			}
			got := warns[0].ContextMap()
			for k, want := range map[string]int64{"sent": tt.sent, "failed": tt.failed, "skipped": tt.skipped} {
				if got[k] != want {
					t.Errorf("%s = %v, want %d (%v)", k, got[k], want, got)
				}
			}
			if done, ok := e.platform.Terminal("inj-t"); !ok || !done.Processed() {
				t.Errorf("terminal callback not processed: %+v", done)
			}
		})
	}
}

// TestPerTargetTraceOutcomes: each target's trace gives its own outcome
// (runtime.Report.TargetStatus), whatever the run's: a target that got no
// error of its own succeeded in a partial run, and one that failed of its
// own gets an ERROR trace; a target of a run that was not a success whose
// executor gave it none claims none, and says the run's.
func TestPerTargetTraceOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		status framework.ExecutionStatus
		own    map[string]framework.ExecutionStatus
		want   map[string][2]string // asset → trace status, message
	}{
		{"own outcomes in a partial run", framework.StatusPartial, map[string]framework.ExecutionStatus{
			"192.0.2.7": framework.StatusSuccess, "db01.example.com": framework.StatusFailed, "192.0.2.9": framework.StatusPartial},
			map[string][2]string{
				"a1": {"INFO", "nmap on 192.0.2.7: succeeded; scan_results: 1; ports_discovered: 22"},
				"a2": {"ERROR", "nmap on db01.example.com: failed"},
				"a3": {"INFO", "nmap on 192.0.2.9: partially succeeded; scan_results: 1; ports_discovered: 80"},
			}},
		{"none given, a partial run", framework.StatusPartial, nil, map[string][2]string{
			"a1": {"INFO", "nmap on 192.0.2.7: no outcome of its own reported (the run partially succeeded); scan_results: 1; ports_discovered: 22"},
			"a2": {"INFO", "nmap on db01.example.com: no outcome of its own reported (the run partially succeeded)"},
			"a3": {"INFO", "nmap on 192.0.2.9: no outcome of its own reported (the run partially succeeded); scan_results: 1; ports_discovered: 80"},
		}},
		{"none given, a successful run", "", nil, map[string][2]string{
			"a1": {"INFO", "nmap on 192.0.2.7: succeeded; scan_results: 1; ports_discovered: 22"},
			"a2": {"INFO", "nmap on db01.example.com: succeeded"},
			"a3": {"INFO", "nmap on 192.0.2.9: succeeded; scan_results: 1; ports_discovered: 80"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22}, "192.0.2.9": {80}}
			e.nmap.own, e.nmap.status = tt.own, tt.status
			body := e.message(t, "inj-own", "nmap", map[string]any{"target_selector": "assets",
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil), asset("endpoint", "a2", "db01.example.com", "", nil),
					asset("asset", "a3", "", "192.0.2.9", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			got := map[string][2]string{}
			for _, c := range e.platform.Calls("inj-own") {
				if c.Kind == openaevtest.KindTrace && !c.Processed() {
					t.Errorf("trace %s: %s", c.Outcome, c.Reason)
				}
				if ids, ok := c.Body["execution_context_identifiers"].([]any); ok && c.Kind == openaevtest.KindTrace && len(ids) == 1 {
					got[ids[0].(string)] = [2]string{c.Body["execution_status"].(string), c.Body["execution_message"].(string)}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("per-target traces\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
