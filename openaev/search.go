package openaev

import (
	"context"
	"encoding/json"
	"math"
)

// The platform's searches the profile pages through: an asset group's
// endpoints (POST /api/endpoints/targets) and an inject's stored findings
// (POST /api/findings/injects/{id}/search, findings_stored.go). Both page
// with Spring Data over PostgreSQL: without a sort a page's query has no
// ORDER BY, and two pages of one search may overlap or leave rows out
// (PostgreSQL picks a plan per LIMIT and OFFSET). So every page asks for
// the platform's largest page (Pagination's @Max(1000)) and a sort. The
// sort's properties must be fields the entity marks sortable
// (@Queryable(sortable = true); any other is a 400, "Unknown sort
// property"), and neither id is: asset_id is filterable only, finding_id
// not queryable at all (2.4.0 and 1.18 read: Asset.java, Endpoint.java,
// Finding.java, SortUtilsJpa.toSortJpa).

// TargetsPageSize is the page size of asset-group paging: the most the
// platform serves.
const TargetsPageSize = 1000

// maxTargetPages bounds asset-group paging against a platform that never
// says "last".
const maxTargetPages = 10000

// endpointOrder sorts an asset group's endpoints. No sortable field of an
// endpoint is unique; these tell apart the endpoints a group holds but
// for copies of one machine (same name, host name, address and
// reference), which may still trade places across a page boundary: an
// endpoint met twice is kept once, and one missed is read again
// (paging.go). The host name and seen IP go by the current line's names:
// it moved them up from Endpoint to Asset, renamed asset_hostname and
// asset_seen_ip (Asset.java), and refuses 2.4.0's endpoint_hostname and
// endpoint_seen_ip, which 2.4.x and older sort on instead (sortAlias).
var endpointOrder = []sortField{{Property: "asset_name", Direction: "asc"}, {Property: "asset_hostname", Direction: "asc"},
	{Property: "asset_seen_ip", Direction: "asc"}, {Property: "asset_external_reference", Direction: "asc"}}

// sortAlias names a sort field as the other line names it: a platform of
// the 2.4 line or older is sorted on its own names from the start, and a
// field the platform refuses is tried under its other name before it is
// left out (paging.go).
var sortAlias = map[string]string{"asset_hostname": "endpoint_hostname", "endpoint_hostname": "asset_hostname",
	"asset_seen_ip": "endpoint_seen_ip", "endpoint_seen_ip": "asset_seen_ip"}

// findingsOrder sorts an inject's findings: the findings table is unique on
// (inject, type, value, field) (migration V3_95), so the order is total.
var findingsOrder = []sortField{{Property: "finding_field", Direction: "asc"}, {Property: "finding_type", Direction: "asc"},
	{Property: "finding_value", Direction: "asc"}}

// targetsQuery is the body of a search: the platform's
// SearchPaginationInput.
type targetsQuery struct {
	Page        int         `json:"page"`
	Size        int         `json:"size"`
	FilterGroup filterGroup `json:"filterGroup"`
	Sorts       []sortField `json:"sorts,omitempty"`
}

type filterGroup struct {
	Mode    string   `json:"mode"`
	Filters []filter `json:"filters"`
}

type filter struct {
	ID       string   `json:"id,omitempty"`
	Key      string   `json:"key"`
	Mode     string   `json:"mode"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// sortField is one sort of a search (the platform's SortField): a
// sortable field's JSON name and "asc" or "desc".
type sortField struct {
	Property  string `json:"property"`
	Direction string `json:"direction"`
}

// search posts q, one page of a search, as req (its op, path and inject
// id) and returns the answer's body.
func (c *Client) search(ctx context.Context, req request, q targetsQuery) ([]byte, error) {
	body, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	req.contentType, req.body = "application/json", body
	return c.do(ctx, req)
}

// GroupAssets pages through POST /api/endpoints/targets, TargetsPageSize
// assets a page sorted by endpointOrder, with a filter on the asset
// group, until the platform answers the last page.
func (c *Client) GroupAssets(ctx context.Context, groupID string) ([]Asset, error) {
	return c.GroupAssetsUpTo(ctx, groupID, math.MaxInt)
}

// GroupAssetsUpTo is GroupAssets, but stops paging as soon as it has more
// than most assets, which it returns: the caller refuses that many
// without the platform paged for the rest of the group. An asset met
// again (by its id) is kept once; fewer than the platform counts is read
// again, then a *PagingError (paging.go).
func (c *Client) GroupAssetsUpTo(ctx context.Context, groupID string, most int) ([]Asset, error) {
	if c.dry != nil {
		return nil, ErrDryRun
	}
	return pageAll(ctx, c, pageSpec[Asset]{req: request{op: "endpoint targets", path: "/endpoints/targets"},
		filter: filterGroup{Mode: "or", Filters: []filter{{Key: "assetGroups", Mode: "or", Operator: "contains", Values: []string{groupID}}}},
		order:  endpointOrder, maxPages: maxTargetPages,
		key:    func(a Asset) string { return a.ID },
		enough: func(n int) bool { return n > most }})
}
