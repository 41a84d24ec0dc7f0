package openaev

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// FuzzStatusTraces: the platform's answer to a reception (readReceipt)
// and its inject (GET /api/injects/{id}, read by InjectState through
// completeTraces) are read by two paths that must count the same
// injectors' "complete" traces of one body: whatever the body holds
// (traces of any shape, agents of any kind, keys in another case), no
// panic, a count never past the traces listed, each message returned a
// trace's own, and both paths agree on a body that is one JSON document.
func FuzzStatusTraces(f *testing.F) {
	f.Add(`{"inject_status":{"status_name":"SUCCESS","status_traces":[{"execution_message":"done","execution_action":"COMPLETE","agent":null}]}}`)
	f.Add(`{"inject_status":{"status_traces":[{"execution_action":" complete "},{"execution_action":"COMPLETE","agent":"ag-1"},` +
		`{"execution_message":"The inject did not complete within the 10 minutes threshold and was marked as timed out.","execution_action":"COMPLETE","execution_status":"TIMEOUT"}]}}`)
	f.Add(`{"inject_status":{"status_traces":null}}`)
	f.Add(`{"inject_status":null}`)
	f.Add(`{"INJECT_STATUS":{"Status_Traces":[{"EXECUTION_ACTION":"COMPLETE"}]}}`)
	f.Add(`{"inject_status":{"status_traces":[1,"x",{}]}}`)
	f.Add(`{"inject_status":{"status_traces":[{"execution_action":"COMPLETE","agent":{}}]}}{}`)
	f.Fuzz(func(t *testing.T, body string) {
		r := readReceipt(strings.NewReader(body))
		var doc struct {
			Status *struct {
				Traces json.RawMessage `json:"status_traces"`
			} `json:"inject_status"`
		}
		if json.Unmarshal([]byte(body), &doc) != nil {
			return // InjectState refuses the body; readReceipt may read a first document of it
		}
		if doc.Status == nil {
			if !r.Unread {
				t.Fatalf("readReceipt(%s) = %+v, want unread: no inject_status", body, r)
			}
			return
		}
		msgs, ok := completeTraces(doc.Status.Traces)
		var listed []statusTrace
		_ = json.Unmarshal(doc.Status.Traces, &listed)
		if len(msgs) > len(listed) || (!ok && len(msgs) > 0) {
			t.Fatalf("completeTraces(%s) = %q, %v; %d traces listed", doc.Status.Traces, msgs, ok, len(listed))
		}
		for _, m := range msgs {
			if !slices.ContainsFunc(listed, func(tr statusTrace) bool { return tr.Message == m && tr.injectorComplete() }) {
				t.Fatalf("completeTraces(%s) returned %q, no complete trace's message", doc.Status.Traces, m)
			}
		}
		if r.Unread && r.Completes != 0 || !r.Unread && r.Completes != len(msgs) {
			t.Fatalf("body %s: the reception's answer counts %+v, the inject's state %d (%q)", body, r, len(msgs), msgs)
		}
	})
}
