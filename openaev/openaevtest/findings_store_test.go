package openaevtest_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// nmapResult is a "complete" carrying nmap's findings: one portscan row
// and its port.
func nmapResult(host string, port int) map[string]any {
	return callback("complete", "SUCCESS", map[string]any{
		"scan_results": []any{map[string]any{"host": host, "port": port, "service": "ssh"}},
		"ports":        []any{port},
	})
}

// TestFindingsAreUniquePerInject (rule 14): a callback carrying a finding
// the inject already stores is dropped, in the queue (200, the inject's
// status kept, none of its findings stored) and by the legacy ingestion
// (409); one carrying only new findings is processed.
func TestFindingsAreUniquePerInject(t *testing.T) {
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, legacy := range []bool{false, true} {
			t.Run(v.String()+map[bool]string{false: "", true: "/legacy"}[legacy], func(t *testing.T) {
				p := platformWithNmap(t, openaevtest.WithVariant(v, legacy))
				first := postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
				if !first.Processed() {
					t.Fatalf("first complete: %s %s", first.Outcome, first.Reason)
				}
				stored := p.StoredFindings("i1")
				want := []openaevtest.FindingRow{
					{Type: "portscan", Value: "10.0.0.1:22 (ssh)", Field: "scan_results"},
					{Type: "port", Value: "22", Field: "ports"},
				}
				if !sameRows(stored, want) {
					t.Fatalf("stored %v, want %v", stored, want)
				}
				final := p.InjectStatus("i1")
				// A run again: a new reception reopens the inject, and its
				// "complete" repeats a stored port next to a new one.
				postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
				again := callback("complete", "SUCCESS", map[string]any{
					"scan_results": []any{map[string]any{"host": "10.0.0.1", "port": 80, "service": "http"}},
					"ports":        []any{22, 80},
				})
				st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", again)
				calls := p.Calls("i1")
				last := calls[len(calls)-1]
				switch {
				case legacy && st != 409:
					t.Errorf("legacy: repeated finding answered %d, want 409", st)
				case !legacy && (st != 200 || last.Outcome != openaevtest.Dropped):
					t.Errorf("queued: repeated finding answered %d, outcome %q, want 200 and dropped", st, last.Outcome)
				}
				if !strings.Contains(last.Reason, `finding "22" is already stored`) {
					t.Errorf("reason %q", last.Reason)
				}
				if got := p.StoredFindings("i1"); !sameRows(got, want) {
					t.Errorf("a dropped callback stored findings: %v", got)
				}
				// The trace and status are written outside the transaction
				// that fails: the inject is finished again, two COMPLETE
				// traces, and only the findings are lost.
				if s, n := injectRead(t, p, "i1"); s != final || n != 2 {
					t.Errorf("inject %s, %d COMPLETE traces after the dropped complete, want %s and 2", s, n, final)
				}
				// Run again, without the stored port, it is processed: the
				// inject finishes, with the earlier statuses merged.
				postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
				again = callback("complete", "SUCCESS", map[string]any{
					"scan_results": []any{map[string]any{"host": "10.0.0.1", "port": 80, "service": "http"}},
					"ports":        []any{80, 80}, // repeated within the callback: stored once
				})
				if c := postCallback(t, p, "i1", again); !c.Processed() {
					t.Fatalf("complete of new findings: %s %s", c.Outcome, c.Reason)
				}
				if s := p.InjectStatus("i1"); s != final {
					t.Errorf("inject %s, want %s", s, final)
				}
				if n := len(p.StoredFindings("i1")); n != 4 {
					t.Errorf("%d findings stored, want 4: %v", n, p.StoredFindings("i1"))
				}
			})
		}
	}
}

// TestFindingValuesAsStored: values are keyed as the processors render
// them, quotes trimmed, so "\"22\"" and 22 are the same finding; the same
// value under another field is another finding.
func TestFindingValuesAsStored(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24)) // ports unchecked
	complete := func(doc map[string]any) openaevtest.Call {
		postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
		return postCallback(t, p, "i1", callback("complete", "SUCCESS", doc))
	}
	if c := complete(map[string]any{"ports": []any{`"22"`}}); !c.Processed() {
		t.Fatalf("first: %s", c.Reason)
	}
	if c := complete(map[string]any{"ports": []any{22}}); c.Outcome != openaevtest.Dropped {
		t.Errorf("the same port unquoted: %s, want dropped", c.Outcome)
	}
	row := map[string]any{"host": "10.0.0.1", "port": 22, "service": "ssh"}
	if c := complete(map[string]any{"scan_results": []any{row}}); !c.Processed() {
		t.Errorf("a portscan row of the same port: %s %s", c.Outcome, c.Reason)
	}
}

// TestFindingsSearch: the route lists the inject's findings, filtered by
// field (case aside), paged, without the field; READ on the inject.
func TestFindingsSearch(t *testing.T) {
	p := platformWithNmap(t)
	postCallback(t, p, "i1", nmapResult("10.0.0.1", 22))
	search := func(body map[string]any) (int, map[string]any) {
		return postJSON(t, p, "/api/findings/injects/i1/search", body)
	}
	byField := func(field string, page, size int) map[string]any {
		return map[string]any{"page": page, "size": size, "filterGroup": map[string]any{"mode": "and",
			"filters": []any{map[string]any{"key": "finding_field", "mode": "or", "operator": "eq", "values": []any{field}}}}}
	}
	st, reply := search(byField("PORTS", 0, 1000))
	content, _ := reply["content"].([]any)
	if st != 200 || len(content) != 1 || reply["last"] != true {
		t.Fatalf("search: %d %v", st, reply)
	}
	item, _ := content[0].(map[string]any)
	if item["finding_type"] != "port" || item["finding_value"] != "22" {
		t.Errorf("item %v", item)
	}
	if _, ok := item["finding_field"]; ok {
		t.Errorf("RelatedFindingOutput names no field: %v", item)
	}
	if st, reply := search(map[string]any{"page": 1, "size": 1}); st != 200 || len(reply["content"].([]any)) != 1 || reply["last"] != true {
		t.Errorf("page 1 of 2: %d %v", st, reply)
	}
	if st, _ := search(byField("scan_results", 0, 1001)); st != 400 {
		t.Errorf("size 1001: %d, want 400", st)
	}
	if st, _ := postJSON(t, p, "/api/findings/injects/nope/search", byField("ports", 0, 10)); st != 404 {
		t.Errorf("unknown inject: %d, want 404", st)
	}
	p.DenyInject("i1")
	if st, _ := search(byField("ports", 0, 10)); st != 403 {
		t.Errorf("denied inject: %d, want 403", st)
	}
	if n := len(p.CallsOf(openaevtest.KindFindings)); n != 5 {
		t.Errorf("%d findings calls recorded, want 5", n)
	}
}

func sameRows(got, want []openaevtest.FindingRow) bool {
	return reflect.DeepEqual(append([]openaevtest.FindingRow(nil), got...), want)
}

// TestFindingNumbersAsStored: a number is stored as the text of the node
// 2.4.0's Jackson reads it into (AbstractOutputProcessor.buildString →
// JsonNode.asText): an integer its digits, past a long's range too, any
// other number Java's Double.toString of it; not as a float64 would have
// it (18446744073709552000, 100, 1).
func TestFindingNumbersAsStored(t *testing.T) {
	p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24)) // ports unchecked
	doc := map[string]any{"ports": json.RawMessage(`[18446744073709551615, 1e2, 1.0, 1e-7, -0, 0.001, 1e7]`)}
	if c := postCallback(t, p, "i1", callback("complete", "SUCCESS", doc)); !c.Processed() {
		t.Fatalf("complete: %s %s", c.Outcome, c.Reason)
	}
	var got []string
	for _, r := range p.StoredFindings("i1") {
		got = append(got, r.Value)
	}
	want := []string{"18446744073709551615", "100.0", "1.0", "1.0E-7", "0", "0.001", "1.0E7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored %q, want %q", got, want)
	}
}
