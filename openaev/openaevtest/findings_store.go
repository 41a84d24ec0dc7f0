package openaevtest

import (
	"fmt"
	"net/http"
	"strings"
)

// The findings the platform holds per inject, unique on (inject, type,
// value, field), and the route that lists them (rule 14).

// FindingRow is one finding the platform stores for an inject: its output
// type (the contract's, such as "portscan"), value and output field.
type FindingRow struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	Field string `json:"field"`
}

// StoredFindings returns the findings the platform stores for an inject,
// in the order they were stored.
func (p *Platform) StoredFindings(injectID string) []FindingRow {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.injects[injectID]; in != nil {
		return append([]FindingRow(nil), in.rows...)
	}
	return nil
}

// newFindings returns the findings output o of value v adds to inject in,
// de-duplicated within the callback as FindingService.deduplicateFindings
// does (seen holds the callback's earlier ones), or why the insert fails:
// one of them is already stored for the inject, and the findings table's
// unique constraint refuses it.
func newFindings(in *inject, o contractOutput, v any, seen map[FindingRow]bool) ([]FindingRow, string) {
	var out []FindingRow
	for _, value := range findingValues(o.Type, o.Multiple, v) {
		row := FindingRow{Type: o.Type, Value: value, Field: o.Field}
		if in.stored[row] {
			shown := value
			if len(shown) > 64 {
				shown = shown[:64] + "…"
			}
			return nil, fmt.Sprintf("output %s (%s): finding %q is already stored for the inject: its insert violates the findings table's unique constraint (finding_inject_id, finding_type, finding_value, finding_field) and the batch's transaction rolls back",
				o.Field, o.Type, shown)
		}
		if !seen[row] {
			seen[row] = true
			out = append(out, row)
		}
	}
	return out, ""
}

// storeLocked records rows as stored for inject in.
func storeLocked(in *inject, rows []FindingRow) {
	for _, r := range rows {
		in.stored[r] = true
		in.rows = append(in.rows, r)
	}
}

// findingsSearch answers POST /api/findings/injects/{id}/search
// (FindingSearchApi.findingsByInject): a Spring page of the inject's
// findings as RelatedFindingOutput, which names no finding_field; a
// filter on finding_field with operator eq matches case aside
// (FilterUtilsJpa.equalsText). It needs READ on the inject, as GET
// /api/injects/{id} does.
func (p *Platform) findingsSearch(c *Call) (int, string, []byte) {
	q, page, size, bad := readSearch(c)
	if bad != "" {
		return fail(http.StatusBadRequest, bad)
	}
	var fields [][]string
	for _, f := range q.FilterGroup.Filters {
		if f.Key != "finding_field" || (f.Operator != "" && f.Operator != "eq") {
			return fail(http.StatusBadRequest, fmt.Sprintf("filter %s %s is not modelled by the stand-in", f.Key, f.Operator))
		}
		fields = append(fields, f.Values)
	}
	return p.withInject(c, func(in *inject) (int, string, []byte) {
		var all []map[string]any
		for i, r := range in.rows {
			if !fieldMatches(r.Field, fields) {
				continue
			}
			all = append(all, map[string]any{"finding_id": fmt.Sprintf("%s-finding-%d", c.InjectID, i),
				"finding_type": r.Type, "finding_value": r.Value, "finding_created_at": "2026-01-01T00:00:00Z",
				"finding_assets": []any{}, "finding_inject": map[string]any{"inject_id": c.InjectID}})
		}
		return pageOf(all, page, size)
	})
}

// fieldMatches reports whether field passes every filter (each a list of
// values, any of which matches case aside; an empty list matches all).
func fieldMatches(field string, filters [][]string) bool {
	for _, values := range filters {
		ok := len(values) == 0
		for _, v := range values {
			ok = ok || v == "" || strings.EqualFold(v, field)
		}
		if !ok {
			return false
		}
	}
	return true
}
