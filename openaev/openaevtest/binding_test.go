package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestBodiesBoundAsPlatform posts bodies an outside tester sent the
// stand-in and the real 2.4.0 (testdata/t65) and checks the stand-in
// answers and processes each as 2.4.0 does: Jackson 2.19's defaults bind
// the body (InjectExecutionInput, InjectReceptionInput), then @Valid's
// @NotBlank, then the queue's processing.
func TestBodiesBoundAsPlatform(t *testing.T) {
	const reception = "/api/injects/execution/reception/i1"
	tests := []struct {
		file    string // under testdata/t65, or the body itself when it starts with {
		path    string // the route; the callback of i1 when empty
		want    int
		outcome string         // of a 200: Processed or Dropped
		reason  string         // in the call's Reason
		bound   map[string]any // fields of the call's Body, as bound
		current bool           // on Current rather than 2.4.0
		legacy  bool           // WithLegacyIngestion
	}{
		// @NotBlank trims as Java's String.trim: every char up to U+0020.
		{file: "cb12_ctrlmsg.json", want: 400, reason: "execution_message must not be blank"},
		{file: "cb13_nulmsg.json", want: 400, reason: "execution_message must not be blank"},
		{file: "cb16_ctrlstatus.json", want: 400, reason: "execution_status must not be blank"},
		{file: "cb14_nbspmsg.json", want: 200, outcome: openaevtest.Processed},
		{file: "cb15_emspmsg.json", want: 200, outcome: openaevtest.Processed},
		{file: "cb17_nbspstatus.json", want: 200, outcome: openaevtest.Dropped, reason: "is not an ExecutionTraceStatus"},
		// Jackson reads one value: what follows is never read.
		{file: "cb11_trailing.json", want: 200, outcome: openaevtest.Processed},
		{file: "cb29_trailing2.json", want: 200, outcome: openaevtest.Processed},
		{file: "rec05_trailing.json", path: reception, want: 200},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"command_execution"} "` + "\xff" + `"`,
			want: 200, outcome: openaevtest.Processed},
		{file: "cb27_comment.json", want: 400},
		{file: "cb25_topnull.json", want: 400},
		{file: "cb26_toparray.json", want: 400},
		// Jackson binds each occurrence of a field, keeping the last: one
		// that does not bind fails the body; @NotBlank judges the last.
		{file: "cb20_dupkey.json", want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"command_execution","execution_duration":true,"execution_duration":1}`,
			want: 400, reason: "execution_duration"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"complete","execution_action":"command_execution"}`,
			want: 200, outcome: openaevtest.Processed},
		{file: `{"execution_message":" ","execution_message":"m","execution_status":"INFO","execution_action":"command_execution"}`,
			want: 200, outcome: openaevtest.Processed},
		{file: `{"execution_message":"m","execution_message":" ","execution_status":"INFO","execution_action":"command_execution"}`,
			want: 400, reason: "execution_message must not be blank"},
		{file: `{"tracking_total_count":true,"tracking_total_count":1}`, path: reception, want: 400, reason: "tracking_total_count"},
		// A scalar is coerced into a String field; an object or a list is not.
		{file: "cb07_nummsg.json", want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_message": "123"}},
		{file: "cb08_boolstatus.json", want: 200, outcome: openaevtest.Dropped, reason: `execution_status "true" is not`},
		{file: "cb09_numstruct.json", want: 200, outcome: openaevtest.Processed},
		{file: "cb30_boolstruct.json", want: 200, outcome: openaevtest.Processed,
			bound: map[string]any{"execution_output_structured": "false"}},
		{file: `{"execution_message":1.50e1,"execution_status":"INFO","execution_action":"command_execution"}`,
			want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_message": "1.50e1"}},
		{file: "cb10_objstruct.json", want: 400, reason: "execution_output_structured"},
		{file: "cb19_arraymsg.json", want: 400, reason: "execution_message"},
		// execution_action binds as Jackson 2.19's EnumDeserializer does.
		{file: "cb03_intaction.json", want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "command_execution"}},
		{file: "cb04_strintaction.json", want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "command_execution"}},
		{file: "cb28_numaction_str.json", want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "complete"}},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"7"}`, want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "complete"}},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"\tcommand_execution\u0000"}`, want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "command_execution"}},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":0}`, want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "prerequisite_check"}},
		{file: "cb22_bigintaction.json", want: 400, reason: "execution_action"},
		{file: "cb05_upperaction.json", want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"bogus"}`, want: 400,
			reason: "not one of the values accepted for Enum class: [prerequisite_check, prerequisite_execution, "},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":99}`, want: 400,
			reason: "index value outside legal index range [0.."},
		{file: "cb06_emptyaction.json", want: 400, reason: "execution_action"},
		{file: "cb21_actiondata.json", want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":"03"}`, want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":-1}`, want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":3.0}`, want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":2147483648}`, want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":" "}`, want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":true}`, want: 400, reason: "execution_action"},
		{file: "cb04_strintaction.json", current: true, want: 400, reason: "execution_action"},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":" data"}`, current: true, want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_action": "data"}},
		// Nothing requires execution_action: left out or null, the
		// callback is taken, then lost to a NullPointerException (a 500
		// in the legacy ingestion). An object does not bind.
		{file: "cb01_noaction.json", want: 200, outcome: openaevtest.Dropped, reason: "execution_action is null"},
		{file: "cb02_nullaction.json", want: 200, outcome: openaevtest.Dropped, reason: "execution_action is null"},
		{file: "cb02_nullaction.json", current: true, want: 200, outcome: openaevtest.Dropped, reason: "execution_action is null"},
		{file: "cb02_nullaction.json", legacy: true, want: 500, reason: "execution_action is null"},
		{file: "cb32_objaction.json", want: 400, reason: "execution_action"},
		// 2.4.0 has no execution_context_identifiers: unknown, ignored.
		{file: "p4_ctx.json", want: 200, outcome: openaevtest.Processed},
		{file: "p4_ctx.json", current: true, want: 200, outcome: openaevtest.Dropped, reason: "U+0000"},
		{file: cbWith(`"execution_context_identifiers":"a1"`), want: 200, outcome: openaevtest.Processed},
		{file: cbWith(`"execution_context_identifiers":[{}]`), want: 200, outcome: openaevtest.Processed},
		// The Current line binds it as a List<String>: a list of scalars
		// (a number or a boolean as its text) or null; nothing else.
		{file: cbWith(`"execution_context_identifiers":"a1"`), current: true, want: 400, reason: "execution_context_identifiers: Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from String value"},
		{file: cbWith(`"execution_context_identifiers":""`), current: true, want: 400, reason: "execution_context_identifiers"},
		{file: cbWith(`"execution_context_identifiers":{}`), current: true, want: 400, reason: "execution_context_identifiers"},
		{file: cbWith(`"execution_context_identifiers":7`), current: true, want: 400, reason: "execution_context_identifiers"},
		{file: cbWith(`"execution_context_identifiers":[{}]`), current: true, want: 400, reason: "execution_context_identifiers: [0]: Cannot deserialize value of type `java.lang.String` from Object value"},
		{file: cbWith(`"execution_context_identifiers":["a1",["a2"]]`), current: true, want: 400, reason: "execution_context_identifiers: [1]"},
		{file: cbWith(`"execution_context_identifiers":["a1",["a2"]],"execution_context_identifiers":["a1"]`), current: true, want: 400, reason: "execution_context_identifiers"},
		{file: cbWith(`"execution_context_identifiers":["a1",7,1.50e1,true,null]`), current: true, want: 200, outcome: openaevtest.Processed,
			bound: map[string]any{"execution_context_identifiers": []any{"a1", "7", "1.50e1", "true", nil}}},
		{file: cbWith(`"execution_context_identifiers":null`), current: true, want: 200, outcome: openaevtest.Processed},
		// execution_duration binds as a Java int.
		{file: "cb18_booldur.json", want: 400, reason: "execution_duration"},
		{file: "cb23_floatdur.json", want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_duration": 1500.0}},
		{file: "cb24_strdur.json", want: 200, outcome: openaevtest.Processed},
		{file: "cb31_bigdur.json", want: 400, reason: "Numeric value (2147483647.9) out of range of int"},
		// A number is judged on its text, as Jackson reads it: one Go
		// cannot hold is no null. More than 1000 digits anywhere is
		// refused (StreamReadConstraints), sign, point and e not counted.
		{file: cbWith(`"execution_duration":1e400`), want: 400, reason: "Numeric value (1e400) out of range of int"},
		{file: cbWith(`"execution_duration":1` + strings.Repeat("0", 400)), want: 400, reason: "out of range of int"},
		{file: cbWith(`"execution_duration":1` + strings.Repeat("0", 1001)), want: 400, reason: "Number value length (1002) exceeds the maximum allowed (1000"},
		{file: cbWith(`"execution_duration":1e400,"execution_duration":1`), want: 400, reason: "execution_duration"},
		{file: cbWith(`"execution_duration":1e-400`), want: 200, outcome: openaevtest.Processed},
		{file: cbWith(`"execution_duration":-2147483648.5`), want: 400, reason: "out of range of int"},
		{file: cbWith(`"x":{"y":[-1` + strings.Repeat("0", 999) + `]}`), want: 200, outcome: openaevtest.Processed},
		{file: cbWith(`"x":{"y":[1.` + strings.Repeat("0", 998) + `e+1]}`), want: 200, outcome: openaevtest.Processed},
		{file: cbWith(`"x":{"y":[1.` + strings.Repeat("0", 998) + `e10]}`), want: 400, reason: "Number value length (1001)"},
		{file: cbWith(`"x":1e400`), want: 200, outcome: openaevtest.Processed, bound: map[string]any{"x": json.Number("1e400")}},
		{file: `{"execution_message":1e400,"execution_status":"INFO","execution_action":"command_execution"}`,
			want: 200, outcome: openaevtest.Processed, bound: map[string]any{"execution_message": "1e400"}},
		{file: `{"execution_message":"m","execution_status":"INFO","execution_action":1e400}`, want: 400, reason: "execution_action"},
		{file: `{"tracking_total_count":1e400}`, path: reception, want: 400, reason: "tracking_total_count"},
		{file: `{"tracking_total_count":-1e400}`, path: reception, want: 400, reason: "tracking_total_count"},
		{file: `{"tracking_total_count":1e-400}`, path: reception, want: 200},
		// tracking_total_count binds as a Java int, none required.
		{file: "rec01_empty.json", path: reception, want: 200},
		{file: "rec02_null.json", path: reception, want: 200},
		{file: "rec03_str.json", path: reception, want: 200},
		{file: "rec04_frac.json", path: reception, want: 200},
		{file: "rec07_emptystr.json", path: reception, want: 200},
		{file: "rec06_bool.json", path: reception, want: 400, reason: "tracking_total_count"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			v := openaevtest.Version24
			if tt.current {
				v = openaevtest.Current
			}
			opts := []openaevtest.Option{openaevtest.WithVersion(v)}
			if tt.legacy {
				opts = append(opts, openaevtest.WithLegacyIngestion())
			}
			p := platformWithNmap(t, opts...)
			body := []byte(tt.file)
			if !strings.HasPrefix(tt.file, "{") {
				var err error
				if body, err = os.ReadFile(filepath.Join("testdata", "t65", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			path := tt.path
			if path == "" {
				path = "/api/injects/execution/callback/i1"
			}
			st, reply := post(t, p, path, token, "application/json", body)
			if st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
			calls := p.Calls("i1")
			c := calls[len(calls)-1]
			if st != http.StatusOK {
				if c.Processed() || p.InjectStatus("i1") != "PENDING" {
					t.Errorf("a refused body was processed (%s), inject %s", c.Outcome, p.InjectStatus("i1"))
				}
			} else if c.Outcome != tt.outcome {
				t.Errorf("outcome %q (%s), want %q", c.Outcome, c.Reason, tt.outcome)
			}
			for k, want := range tt.bound {
				if !reflect.DeepEqual(c.Body[k], want) {
					t.Errorf("%s bound as %#v, want %#v", k, c.Body[k], want)
				}
			}
			// The reason is recorded: the platform's answer names none
			// (Spring Boot's error JSON, TestErrorBodies).
			got := c.Reason
			if !strings.Contains(got, tt.reason) {
				t.Errorf("reason %q, want it to hold %q", got, tt.reason)
			}
		})
	}
}

// cbWith is a valid callback body with members added after its fields.
func cbWith(members string) string {
	return `{"execution_message":"m","execution_status":"INFO","execution_action":"command_execution",` + members + `}`
}

// TestAgentCallbackRoute: the implants' route,
// POST /api/injects/execution/{agentId}/callback/{injectId}, binds and
// validates a callback as the injectors' one does; the stand-in holds no
// agents, so, as the platform does for an agent it does not find, the
// callback is taken (200), its content lost, and an ERROR trace of action
// COMPLETE added to the inject, which a later "complete" counts.
func TestAgentCallbackRoute(t *testing.T) {
	tests := []struct {
		name   string
		legacy bool
		path   string
		body   map[string]any
		want   int
		final  string // the inject's status after a later "complete" SUCCESS
	}{
		{name: "queued", path: "/api/injects/execution/agent-1/callback/i1", body: callback("complete", "SUCCESS", nil),
			want: 200, final: "PARTIAL"},
		{name: "legacy", legacy: true, path: "/api/injects/execution/agent-1/callback/i1",
			body: callback("command_execution", "INFO", nil), want: 200, final: "PARTIAL"},
		{name: "tenant", path: "/api/tenants/t1/injects/execution/agent-1/callback/i1",
			body: callback("command_execution", "INFO", nil), want: 200, final: "PARTIAL"},
		{name: "blank message", path: "/api/injects/execution/agent-1/callback/i1",
			body: map[string]any{"execution_message": " ", "execution_status": "INFO", "execution_action": "complete"},
			want: 400, final: "SUCCESS"},
		{name: "unknown inject", path: "/api/injects/execution/agent-1/callback/nope", body: callback("complete", "SUCCESS", nil),
			want: 404, final: "SUCCESS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []openaevtest.Option{openaevtest.WithVersion(openaevtest.Version24)}
			if tt.legacy {
				opts = append(opts, openaevtest.WithLegacyIngestion())
			}
			p := platformWithNmap(t, opts...)
			if st, reply := postJSON(t, p, tt.path, tt.body); st != tt.want {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.want)
			}
			if tt.want == http.StatusOK {
				calls := p.Calls("i1")
				c := calls[len(calls)-1]
				if c.AgentID != "agent-1" || c.Outcome != openaevtest.Dropped || !strings.Contains(c.Reason, "agent") {
					t.Errorf("call of agent %q: %s (%s), want dropped for its agent", c.AgentID, c.Outcome, c.Reason)
				}
			}
			if got := p.InjectStatus("i1"); got != "PENDING" {
				t.Errorf("inject %s after the agent's callback, want PENDING", got)
			}
			postCallback(t, p, "i1", callback("complete", "SUCCESS", nil))
			if got := p.InjectStatus("i1"); got != tt.final {
				t.Errorf("inject %s after a complete, want %s", got, tt.final)
			}
		})
	}
}
