package openaev

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/findingrow"
)

// storedRows reads the findings search's rows FuzzWithoutStored is given:
// a line "field<TAB>type<TAB>value" a row.
func storedRows(spec string) map[string][]StoredFinding {
	rows := map[string][]StoredFinding{}
	for line := range strings.SplitSeq(spec, "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) == 3 {
			rows[f[0]] = append(rows[f[0]], StoredFinding{Type: f[1], Value: f[2]})
		}
	}
	return rows
}

// FuzzWithoutStored checks a "complete" callback once the findings the
// platform answers it stores (POST /api/findings/injects/{id}/search) are
// left out of it: its envelope (message, status, action, duration) is as
// it was, the expectation signatures too; each output field is kept as it
// was, left out, or a list keeping some of its items in their order; no
// item or value kept renders (findingrow.Value) as a finding stored of
// its field, when the profile renders every type stored there; the count
// left out is the items gone; and the body does not grow.
func FuzzWithoutStored(f *testing.F) {
	f.Add(`{"ports":[22,80,443],"summary":"s","expectation_signatures":{"x":1}}`, "ports\tport\t22\nsummary\ttext\ts", "m <ok>")
	f.Add(`{"scan_results":[{"host":"h","port":22,"service":"ssh"},{"host":"h","port":80}]}`, "scan_results\tportscan\th:80", "")
	f.Add(`{"cves":[{"id":"CVE-1"},{"id":"CVE-2"}],"users":[{"username":"u"}]}`, "cves\tcve\tCVE-2\nusers\tusername\tu", "\x00")
	f.Add(`{"scores":[1e+21,0.0001,1.5],"tags":["a","b"]}`, "scores\tnumber\t1.0E21\ntags\ttext\ta b", "é")
	f.Add(`{"a":null,"b":[],"c":{},"d":"\u003c\u0000"}`, "a\ttext\t\nb\ttext\t\nc\ttext\t\nd\ttext\t<\ufffd", "m")
	f.Fuzz(func(t *testing.T, doc, spec, message string) {
		var in map[string]json.RawMessage
		if json.Unmarshal([]byte(doc), &in) != nil {
			return
		}
		e := Execution{Message: message, Status: StatusSuccess, Action: ActionComplete, Duration: 3}
		body := append(appendEscaped(appendEnvelope(nil, e), []byte(doc)), `"}`...)
		rows := storedRows(spec)
		out, left, err := withoutStored(body, func(field string) ([]StoredFinding, error) { return rows[field], nil })
		if err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			if !bytes.Equal(out, body) {
				t.Fatalf("nothing left out, but the body changed:\n%s\nwas\n%s", out, body)
			}
			return
		}
		if len(out) > len(body) {
			t.Fatalf("the body grew from %d to %d bytes:\n%s\nwas\n%s", len(body), len(out), out, body)
		}
		var before, after Execution
		if err := json.Unmarshal(body, &before); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("body %s: %v", out, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal([]byte(after.OutputStructured), &got); err != nil {
			t.Fatalf("structured output %s: %v", after.OutputStructured, err)
		}
		before.OutputStructured, after.OutputStructured = "", ""
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("envelope %+v, was %+v", after, before)
		}
		gone := 0
		for field, raw := range in {
			kept, ok := got[field]
			switch {
			case field == FieldExpectationSignatures || len(rows[field]) == 0:
				if !ok || !sameJSON(kept, raw) {
					t.Fatalf("field %s: %s, was %s", field, kept, raw)
				}
				continue
			case !ok:
				gone += max(findingCount(raw), 1)
				continue
			}
			if sameJSON(kept, raw) {
				continue
			}
			var was, now []json.RawMessage
			if json.Unmarshal(raw, &was) != nil || json.Unmarshal(kept, &now) != nil || len(now) >= len(was) {
				t.Fatalf("field %s: %s, was %s: neither kept, left out, nor some of its items", field, kept, raw)
			}
			for i, j := 0, 0; j < len(now); i++ {
				if i == len(was) {
					t.Fatalf("field %s: %s is not items of %s in their order", field, kept, raw)
				}
				if sameJSON(was[i], now[j]) {
					j++
				}
			}
			gone += len(was) - len(now)
			for _, item := range now {
				if stored(item, rows[field]) {
					t.Fatalf("field %s: item %s kept, stored as %+v", field, item, rows[field])
				}
			}
		}
		if gone != left {
			t.Fatalf("left out %d, counted %d gone:\n%s\nwas\n%s", left, gone, out, body)
		}
	})
}

// stored reports whether raw renders as one of rows, all of types the
// profile renders.
func stored(raw json.RawMessage, rows []StoredFinding) bool {
	v, err := decodeGeneric(raw)
	if err != nil {
		return false
	}
	for _, r := range rows {
		t := strings.ToLower(r.Type)
		if !renderable[t] {
			return false
		}
		if findingrow.Value(t, v) == r.Value {
			return true
		}
	}
	return false
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	x, errA := decodeGeneric(a)
	y, errB := decodeGeneric(b)
	return errA == nil && errB == nil && reflect.DeepEqual(x, y)
}
