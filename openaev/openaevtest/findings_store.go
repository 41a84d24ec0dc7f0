package openaevtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Rule 14 of the package doc in full, with the code read:
//
// Findings are unique per inject (2.4.0 read; the Current line's
// FindingService read up to 2026-08 alike; files under
// openaev-api/src/main/java/io/openaev/). An injector's findings are
// inserted with a plain findingRepository.saveAll, de-duplicated only
// within the one callback (rest/finding/FindingService.java:205,
// 215-221), into a table with UNIQUE (finding_inject_id, finding_type,
// finding_value, finding_field)
// (migration/V3_95__Migrate_findings_CVE_new_format.java:77-78). A
// callback whose findings hold one the inject already stores, from an
// earlier callback (a run again after a new reception, a "complete"
// sent twice), violates it when the inserts are flushed, at the commit
// (Finding's id is generated: openaev-model/…/database/model/Finding.java
// :34-37): the batch's REQUIRES_NEW transaction
// (rest/inject/service/BatchingInjectStatusService.java:58) rolls back,
// and BatchQueueService (openaev-model …/service/queue/BatchQueueService.java:349-353,
// 373-390) rejects every message of the batch without requeue. What
// was written outside that transaction stays: each processed
// callback's trace and a "complete"'s final status, written after the
// findings were queued for insert (InjectExecutionService.java:112,
// then :114; InjectStatusService.java:198, 206-210) on connections of
// their own, autocommitted (openaev-model/…/database/helper/
// ExecutionTraceRepositoryHelper.java:78, 137, 163). So the stand-in
// drops that callback (200 on the wire), stores none of its findings
// or signatures, and keeps its trace and the inject's new status (the
// inject reads finished, its findings missing); the legacy ingestion
// (InjectExecutionService.java:42-44) answers 409
// (DataIntegrityViolationException, rest/helper/RestBehavior.java:251-252),
// trace and status kept alike. Held callbacks (rule 3) are processed
// as the platform's batches, one per worker group: every other
// callback of a failed batch is Dropped with it, its Reason naming the
// one that failed, its findings and signatures lost, its trace and
// status kept. A finding its output's processor refuses (rule 4)
// fails the batch too: FindingService.generateFindings throws
// IllegalArgumentException (rest/finding/FindingService.java:317-329)
// out of a class-level @Transactional bean (:25-29), which marks the
// batch's transaction rollback-only; that callback is lost before its
// trace (InjectExecutionService.java:112, before :114), the others are
// processed, and the commit throws UnexpectedRollbackException
// (calls.go's failsBatch says which drops fail a batch, how).
// StoredFindings lists the rows: the type is the
// contract's output type, the value as the output's processor renders
// it (buildString, AbstractOutputProcessor.java:59-68: a scalar's
// JsonNode.asText, a number its node's, an integer's digits and any
// other number Java's Double.toString, 1e2 "100.0", 1.0 "1.0"
// (findingrow.NumberText); a list's items joined with spaces, one
// leading and one trailing double quote removed; a cve's id; a
// portscan row's "host:port (service)"; the Active Directory types'
// and credentials' their processors' keys: findingrow.Value). A finding
// rendered blank ("", "   ", "\"\"", ["",""], an object as a text;
// Finding.value is @NotBlank) fails validation as the insert is
// flushed: the batch rolls back as above, the legacy ingestion
// answers 500 (checkFindings says where each step was read). POST
// /api/findings/injects/{id}/search (rest/finding/FindingSearchApi.java:66-99,
// @AccessControl READ on the inject, as GET /api/injects/{id}) answers
// them as a Spring page of RelatedFindingOutput (finding_type,
// finding_value, no finding_field; finding_assets, the endpoints the
// finding is linked to), page from 0 and size 1 to 1000
// (bound, defaulted and sorted as rule 10), filtered by finding_field with operator
// eq, case aside (FilterUtilsJpa.equalsText). A later migration of the
// platform's repository (V6_20260819150900000__Add_finding_location_asset,
// dated 2026-08-19, in no release read) drops that constraint; the
// stand-in keeps it on both lines. A finding is linked to the assets
// its item's asset_id names (which types name ids, and how:
// linkedAssets) that the platform holds (2.4.0 read:
// rest/finding/FindingService.java:343-346, 361-363, findById over the
// assets table, whatever inject or asset group holds the asset); any
// other id, one never held, an asset group's or an agent's, is dropped
// silently, the finding stored and the callback processed
// (Call.UnlinkedAssets names them). A finding repeated within a
// callback is stored once with the assets of each (deduplicateFindings).
// The stand-in holds the assets AddAssets and SetAssetGroup name; the
// search answers each as {"asset_id": id} (EndpointSimple has
// asset_name too), StoredFindings and the stats view (Held) list each
// row's.

// The findings the platform holds per inject, unique on (inject, type,
// value, field), the assets each is linked to, and the route that lists
// them (rule 14).

// FindingRow is one finding the platform stores for an inject: its output
// type (the contract's, such as "portscan"), value and output field, and
// the assets it is linked to (see linkedAssets), sorted; none: nil.
type FindingRow struct {
	Type   string   `json:"type"`
	Value  string   `json:"value"`
	Field  string   `json:"field"`
	Assets []string `json:"assets,omitempty"`
}

// findingKey is a row of the findings table's unique constraint
// (finding_inject_id aside: the rows are the inject's).
type findingKey struct{ typ, value, field string }

func (r FindingRow) key() findingKey { return findingKey{r.Type, r.Value, r.Field} }

// StoredFindings returns the findings the platform stores for an inject,
// in the order they were stored, each with its assets.
func (p *Platform) StoredFindings(injectID string) []FindingRow {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.injects[injectID]; in != nil {
		return cloneRows(in.rows)
	}
	return nil
}

// cloneRows copies rows, their assets included.
func cloneRows(rows []FindingRow) []FindingRow {
	out := make([]FindingRow, len(rows))
	for i, r := range rows {
		r.Assets = slices.Clone(r.Assets)
		out[i] = r
	}
	return out
}

// newFindings returns the findings output o of value v adds to inject in,
// each linked to the assets held names (linkedAssets), de-duplicated
// within the output as FindingService.deduplicateFindings does (a finding
// found again adds its assets to the first's), and the asset ids its
// items named that held does not hold, each once (their links are
// dropped, the findings stored all the same); or why the insert fails:
// one of them is already stored for the inject, and the findings table's
// unique constraint refuses it. A callback's outputs have fields of their
// own, so no row of one is another's.
func newFindings(in *inject, o contractOutput, v any, held map[string]bool) (rows []FindingRow, unlinked []string, fail string) {
	at := map[findingKey]int{} // a row of rows by its key
	for _, item := range findingItems(o.Type, o.Multiple, v) {
		value := findingValue(o.Type, item)
		row := FindingRow{Type: o.Type, Value: value, Field: o.Field}
		if in.stored[row.key()] {
			shown := value
			if len(shown) > 64 {
				shown = shown[:64] + "…"
			}
			return nil, nil, fmt.Sprintf("output %s (%s): finding %q is already stored for the inject: its insert violates the findings table's unique constraint (finding_inject_id, finding_type, finding_value, finding_field) and "+txRollsBack,
				o.Field, o.Type, shown)
		}
		var assets []string
		for _, id := range linkedAssets(o.Type, item) {
			switch {
			case held[id]:
				assets = append(assets, id)
			case !slices.Contains(unlinked, id):
				unlinked = append(unlinked, id)
			}
		}
		if i, seen := at[row.key()]; seen {
			for _, a := range assets {
				if !slices.Contains(rows[i].Assets, a) {
					rows[i].Assets = append(rows[i].Assets, a)
				}
			}
			continue
		}
		row.Assets = assets
		at[row.key()] = len(rows)
		rows = append(rows, row)
	}
	for i := range rows {
		slices.Sort(rows[i].Assets)
	}
	return rows, unlinked, ""
}

// linksAssets are the output types whose processor links a finding to
// assets (toFindingAssets, 2.4.0's FindingCapableOutputProcessor
// subclasses: read), all from the finding's asset_id: portscan's one id
// (PortScanOutputProcessor.java:47-54, asText: a list names none), the
// others' one id or a list of them (CVEOutputProcessor.java:57-71, the
// vulnerability, credentials and Active Directory types' alike); the
// other types link none. Current's processors were not read: taken as
// alike.
var linksAssets = set("portscan", "cve", "credentials", "username", "share", "admin_username", "group",
	"computer", "password_policy", "delegation", "sid", "vulnerability", "account_with_password_not_required",
	"asreproastable_account", "kerberoastable_account")

// linkedAssets returns the ids of the assets the finding item of an
// output of outputType names (toFindingAssets), in the order it names
// them, each once; FindingService.linkFinding then links those the
// platform holds (see AddAssets). Asset ids are UUID strings the
// platform made (Asset.java: @UuidGenerator): a string id not empty may
// name one; anything else (a number's or a boolean's text, the "null" of
// a JSON null, the "" of a list where portscan reads one id) names none.
func linkedAssets(outputType string, item any) []string {
	m, ok := item.(map[string]any)
	if !ok || !linksAssets[outputType] {
		return nil
	}
	var ids []string
	add := func(v any) {
		if s, ok := v.(string); ok && s != "" && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	switch x := m["asset_id"].(type) {
	case []any:
		if outputType != "portscan" {
			for _, e := range x {
				add(e)
			}
		}
	default:
		add(x)
	}
	return ids
}

// AddAssets records assets the platform holds, by id: the rows of its
// assets table (endpoints, agentless or not, whatever inject or asset
// group they belong to), which a finding's asset_id links it to (rule
// 14). SetAssetGroup's endpoints are held too; an asset group's own id,
// an agent's id or an id AddAssets never named is not an asset.
func (p *Platform) AddAssets(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		p.assets[id] = true
	}
}

// holdAssetsLocked records the endpoints' ids (asset_id, or the endpoint_id of
// an older platform's spelling) as assets the platform holds.
func (p *Platform) holdAssetsLocked(endpoints []map[string]any) {
	for _, e := range endpoints {
		for _, k := range []string{"asset_id", "endpoint_id"} {
			if id, _ := e[k].(string); id != "" {
				p.assets[id] = true
			}
		}
	}
}

// storeLocked records rows as stored for inject in.
func storeLocked(in *inject, rows []FindingRow) {
	for _, r := range rows {
		in.stored[r.key()] = true
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
		var matched []int // indexes of in.rows
		for i, r := range in.rows {
			if fieldMatches(r.Field, fields) {
				matched = append(matched, i)
			}
		}
		matched, bad := ordered(p, matched, q.Sorts, findingSorts, func(i int, property string) (string, bool) {
			return findingText(c.InjectID, i, in.rows[i], property)
		})
		if bad != "" {
			return fail(http.StatusBadRequest, bad)
		}
		all := make([]map[string]any, 0, len(matched))
		for _, i := range matched {
			r := in.rows[i]
			all = append(all, map[string]any{"finding_id": fmt.Sprintf("%s-finding-%d", c.InjectID, i),
				"finding_type": r.Type, "finding_value": r.Value, "finding_created_at": findingCreatedAt,
				"finding_assets": endpoints(r.Assets), "finding_inject": map[string]any{"inject_id": c.InjectID}})
		}
		return pageOf(all, page, size)
	})
}

// findingCreatedAt is the creation date the stand-in gives every finding.
const findingCreatedAt = "2026-01-01T00:00:00Z"

// findingText is the value of a sortable property (findingSorts) of r,
// the inject's row i, false for a null one.
func findingText(injectID string, i int, r FindingRow, property string) (string, bool) {
	switch property {
	case "finding_field":
		return r.Field, true
	case "finding_type":
		return r.Type, true
	case "finding_value":
		return r.Value, true
	case "finding_inject_id":
		return injectID, true
	case "finding_created_at", "finding_updated_at":
		return findingCreatedAt, true
	}
	return "", false // finding_name: an injector's findings have none
}

// endpoints renders the assets a finding is linked to as
// RelatedFindingOutput's finding_assets does (FindingMapper
// .toRelatedFindingOutput: the finding's assets that are endpoints, each an
// EndpointSimple): every asset of the stand-in is taken for an endpoint,
// and it knows their ids alone, so each is {"asset_id": id} (the
// platform's has asset_name too), sorted (the platform's is a set, in no
// order).
func endpoints(assets []string) []any {
	out := make([]any, len(assets))
	for i, a := range assets {
		out[i] = map[string]any{"asset_id": a}
	}
	return out
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
