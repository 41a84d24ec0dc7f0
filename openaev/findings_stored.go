package openaev

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/internal/findingrow"
)

// The platform stores an injector's findings with a plain insert into a
// table unique on (inject, type, value, field) (FindingService.createFindings,
// migration V3_95): a "complete" carrying a finding the inject already
// holds, from an earlier run reopened by --rerun-finished or from the same
// "complete" taken once already, violates it, and the platform rolls back
// the whole batch of queued callbacks it belongs to: their findings are
// lost, while the traces and statuses, written outside the transaction,
// stay (2.4.0 shows the inject finished, its findings missing from the
// search below). Before such a "complete" (see postAs), the profile reads the
// inject's stored findings (POST /api/findings/injects/{id}/search, READ
// on the inject, the right GET /api/injects/{id} needs) and leaves out
// those already stored.

// StoredFinding is one finding the platform holds for an inject: its
// output type ("portscan", "text"…) and value, as the platform rendered it.
type StoredFinding struct {
	ID    string `json:"finding_id"`
	Type  string `json:"finding_type"`
	Value string `json:"finding_value"`
}

// maxFindingPages bounds the pages read for one output field.
const maxFindingPages = 100

// StoredFindings reads the findings the platform holds for output field
// of inject id, every page of POST /api/findings/injects/{id}/search
// filtered on finding_field (the platform matches it case aside), paged
// as paging.go says. Each page is retried as any request (see
// Client.do); the final failure is returned (see Profile.unstoredOnly for what the "complete" does then).
func (c *Client) StoredFindings(ctx context.Context, injectID, field string) ([]StoredFinding, error) {
	if err := checkInjectID(injectID); err != nil {
		return nil, err
	}
	if c.dry != nil {
		return nil, ErrDryRun
	}
	return pageAll(ctx, c, pageSpec[StoredFinding]{req: request{op: "stored findings",
		path: "/findings/injects/" + url.PathEscape(injectID) + "/search", injectID: injectID},
		filter: filterGroup{Mode: "and", Filters: []filter{{ID: "finding_field", Key: "finding_field", Mode: "or", Operator: "eq", Values: []string{field}}}},
		order:  findingsOrder, maxPages: maxFindingPages,
		key:    func(f StoredFinding) string { return f.ID },
		enough: func(int) bool { return false }})
}

// withoutStored returns body, a "complete" callback, without the findings
// stored (field → its stored findings) says the platform already holds,
// and how many it left out. Each output field of the structured output
// but the expectation signatures is looked up; a field whose stored
// findings are of a type the platform renders as the profile does (text,
// number, port, ipv4, ipv6: the value's text, a list's items joined with
// spaces; cve: its id; portscan: "host:port (service)") loses the items,
// or the whole value, already stored; one of another type that holds any
// stored finding is left out whole, its values being beyond what the
// profile can match. body is returned as it is when nothing is left out.
func withoutStored(body []byte, stored func(field string) ([]StoredFinding, error)) ([]byte, int, error) {
	return rebuildFindings(body, func(field string, raw json.RawMessage) (json.RawMessage, int, error) {
		rows, err := stored(field)
		if err != nil {
			return raw, 0, err
		}
		kept, n := keepUnstored(raw, rows)
		return kept, n, nil
	})
}

// withoutFindings returns body, a "complete" callback, without any of its
// findings: every output field of the structured output but the
// expectation signatures is left out. It returns the fields left out,
// sorted, and the findings they made; body is returned as it is when
// there were none.
func withoutFindings(body []byte) ([]byte, []string, int) {
	var fields []string
	out, n, err := rebuildFindings(body, func(field string, raw json.RawMessage) (json.RawMessage, int, error) {
		c := findingCount(raw)
		if c > 0 {
			fields = append(fields, field)
		}
		return nil, c, nil
	})
	if err != nil {
		return body, nil, 0
	}
	slices.Sort(fields)
	return out, fields, n
}

// rebuildFindings returns body, a "complete" callback, with each output
// field of its structured output but the expectation signatures replaced
// by what keep returns for it (nil: the field left out), and the number of
// findings keep says it left out. A field keep leaves nothing out of (0)
// is kept as it is; body is returned as it is when nothing is left out,
// or with keep's first error.
func rebuildFindings(body []byte, keep func(field string, raw json.RawMessage) (json.RawMessage, int, error)) ([]byte, int, error) {
	var e Execution
	if err := json.Unmarshal(body, &e); err != nil || e.Action != ActionComplete || e.OutputStructured == "" {
		return body, 0, nil
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal([]byte(e.OutputStructured), &doc) != nil {
		return body, 0, nil
	}
	left := 0
	for field, raw := range doc {
		if field == FieldExpectationSignatures {
			continue
		}
		kept, n, err := keep(field, raw)
		if err != nil {
			return body, 0, err
		}
		if n == 0 {
			continue
		}
		left += n
		if kept == nil {
			delete(doc, field)
		} else {
			doc[field] = kept
		}
	}
	if left == 0 {
		return body, 0, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as findingPieces encodes it
	if err := enc.Encode(doc); err != nil {
		return body, 0, err
	}
	structured := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	e.OutputStructured = ""
	out := appendEnvelope(make([]byte, 0, len(body)), e)
	out = appendEscaped(out, structured)
	return append(out, `"}`...), left, nil
}

// keepUnstored returns the value raw of an output field without what rows
// (the field's stored findings) holds, nil to leave the field out, and
// how many findings it left out (0: raw is kept as it is).
func keepUnstored(raw json.RawMessage, rows []StoredFinding) (json.RawMessage, int) {
	if len(rows) == 0 {
		return raw, 0
	}
	byType := map[string]map[string]bool{}
	for _, r := range rows {
		t := strings.ToLower(r.Type)
		if !renderable[t] {
			// The platform holds findings of this field the profile cannot
			// match: sending any value of it may repeat one.
			return nil, max(findingCount(raw), 1)
		}
		if byType[t] == nil {
			byType[t] = map[string]bool{}
		}
		byType[t][r.Value] = true
	}
	isStored := func(v any) bool {
		for t, values := range byType {
			if values[findingrow.Value(t, v)] {
				return true
			}
		}
		return false
	}
	v, err := decodeGeneric(raw)
	if err != nil {
		return raw, 0
	}
	if isStored(v) {
		// The whole value is one stored finding (a scalar, or a list of
		// an output that is not isMultiple).
		return nil, max(findingCount(raw), 1)
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return raw, 0
	}
	kept := make([]json.RawMessage, 0, len(items))
	for _, item := range items {
		if x, err := decodeGeneric(item); err == nil && isStored(x) {
			continue
		}
		kept = append(kept, item)
	}
	n := len(items) - len(kept)
	switch {
	case n == 0:
		return raw, 0
	case len(kept) == 0:
		return nil, n
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(kept) != nil {
		return raw, 0
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), n
}

// findingCount is the number of findings a value makes at most: a list's
// items, else one.
func findingCount(raw json.RawMessage) int {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) == nil {
		return len(items)
	}
	return 1
}

// renderable are the finding types whose values the profile renders as
// the platform's output processors do (findingrow.Value).
var renderable = map[string]bool{"text": true, "number": true, "port": true, "ipv4": true, "ipv6": true,
	"cve": true, "portscan": true}
