package openaevtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

// Rule 10 of the package doc in full, with the code read (2.4.0; 1.18
// alike but for the refusal's message; files under openaev-api/src/main/
// java/io/openaev/ and openaev-model/…):
//
// Both search routes the injector pages, POST /api/endpoints/targets
// (EndpointService.searchManagedEndpoints) and POST
// /api/findings/injects/{id}/search (FindingSearchApi.findingsByInject),
// page with utils/pagination/PaginationUtils.buildPaginationJPA: a
// PageRequest of the body's page and size (Pagination: @Min(0) page,
// @Max(1000) size, 0 and 20 by default) and the Sort SortUtilsJpa
// .toSortJpa makes of its "sorts", a list of {"property", "direction"}
// (SearchPaginationInput, SortField). Each sort's property is the JSON
// name of a field the entity marks @Queryable(sortable = true): for an
// endpoint asset_name, asset_description, asset_external_reference,
// asset_tags (Asset.java) and endpoint_seen_ip, endpoint_hostname,
// endpoint_platform, endpoint_arch (Endpoint.java); for a finding
// finding_field, finding_type, finding_value, finding_name,
// finding_inject_id, finding_created_at, finding_updated_at
// (Finding.java). Neither id is sortable (asset_id is filterable only,
// finding_id not @Queryable): any other property is a 400
// (InvalidSortPropertyException, "Unknown sort property '…', please try
// an other one", RestBehavior's ErrorMessage). A blank property is
// skipped; the direction is "asc" or "desc" case aside, anything else
// ascending (Sort.Direction.fromOptionalString), nulls where PostgreSQL
// puts them (NullHandling.NATIVE: last ascending, first descending).
//
// Without a sort the query has no ORDER BY, and PostgreSQL returns the
// rows of a LIMIT/OFFSET page in whatever order the plan it picks for
// that page gives: two pages of one search may overlap or leave rows out.
// Rows a sort leaves tied are in no order either. So the stand-in shuffles
// the rows of every search page it answers, anew for each request, before
// it sorts them (a stable sort): an unsorted page, or the tied rows of a
// sorted one, come in an order of their own each time. The shuffles are
// seeded from the test's name and the number of searches answered before:
// a test sees the same orders on each run. Values sort as text, byte by
// byte (PostgreSQL's collation may order them otherwise: the stand-in
// asserts only that one search's pages agree).

// DropSort makes p a platform that no longer allows sorting on property
// (a field a newer release stops marking sortable): a search sorted on
// it is refused as any unknown property is.
func (p *Platform) DropSort(property string) {
	p.droppedMu.Lock()
	defer p.droppedMu.Unlock()
	if p.dropped == nil {
		p.dropped = map[string]bool{}
	}
	p.dropped[property] = true
}

// sortable reports whether property is in allowed and not dropped.
func (p *Platform) sortable(allowed map[string]bool, property string) bool {
	p.droppedMu.Lock()
	defer p.droppedMu.Unlock()
	return allowed[property] && !p.dropped[property]
}

// Sortable properties, by search route (see above). The current line
// moved an endpoint's host name and seen IP up to Asset, renamed
// asset_hostname and asset_seen_ip (Asset.java: "Moved up from Endpoint
// (columns + wire renamed endpoint_* -> asset_*)", each @Queryable
// sortable), and marks asset_tags filterable only; its SortUtilsJpa
// matches a sort's property against the JSON names of the class's
// sortable fields ("Property not sortable: …" otherwise): endpoint_hostname
// and endpoint_seen_ip are refused there (endpointSortsCurrent).
var (
	endpointSorts = set("asset_name", "asset_description", "asset_external_reference", "asset_tags",
		"endpoint_seen_ip", "endpoint_hostname", "endpoint_platform", "endpoint_arch")
	endpointSortsCurrent = set("asset_name", "asset_description", "asset_external_reference", "asset_url",
		"asset_seen_ip", "asset_hostname", "endpoint_platform", "endpoint_arch")
	findingSorts = set("finding_field", "finding_type", "finding_value", "finding_name", "finding_inject_id",
		"finding_created_at", "finding_updated_at")
)

// sortField is one of a search body's sorts (SortField).
type sortField struct {
	Property  string `json:"property"`
	Direction string `json:"direction"`
}

// pagingSeed is the seed of a platform's shuffles: the test's name, hashed.
func pagingSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// ordered returns rows in the order p answers a search with sorts (see
// above): shuffled, then sorted by the sorts' properties, each one's value
// read by value (false: null); or the 400 answer's message when a
// property is not in sortable.
func ordered[T any](p *Platform, rows []T, sorts []sortField, sortable map[string]bool,
	value func(row T, property string) (string, bool)) ([]T, string) {
	var keys []sortField
	for _, s := range sorts {
		if strings.TrimSpace(s.Property) == "" {
			continue
		}
		if !p.sortable(sortable, s.Property) {
			return nil, fmt.Sprintf("Unknown sort property '%s', please try an other one", s.Property)
		}
		keys = append(keys, s)
	}
	n := p.searches.Add(1)
	out := slices.Clone(rows)
	rand.New(rand.NewPCG(p.seed, n)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	slices.SortStableFunc(out, func(a, b T) int {
		for _, k := range keys {
			va, oka := value(a, k.Property)
			vb, okb := value(b, k.Property)
			c := 0
			switch {
			case oka && okb:
				c = strings.Compare(va, vb)
			case oka != okb && oka:
				c = -1 // a null sorts last ascending
			case oka != okb:
				c = 1
			}
			if strings.EqualFold(k.Direction, "desc") {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return out, ""
}

// endpointText is an endpoint's value of a sortable property
// (endpointSorts) as text, false when it has none (null). The stand-in
// holds an endpoint as the test wrote it, in either spelling the profile
// reads (asset_… or endpoint_…): the property is read under its own name,
// else under the other spelling's.
func endpointText(row map[string]any, property string) (string, bool) {
	names := []string{property}
	if rest, ok := strings.CutPrefix(property, "asset_"); ok {
		names = append(names, "endpoint_"+rest)
	} else if rest, ok := strings.CutPrefix(property, "endpoint_"); ok {
		names = append(names, "asset_"+rest)
	}
	for _, n := range names {
		switch v := row[n].(type) {
		case nil:
		case string:
			return v, true
		default:
			return fmt.Sprint(v), true
		}
	}
	return "", false
}

// searchInput is the platform's SearchPaginationInput, the body of its
// search routes (asset groups' targets, an inject's findings), but its
// page and size (pageRequest): a filter group and sorts (paging.go).
type searchInput struct {
	Sorts       []sortField `json:"sorts"`
	FilterGroup struct {
		Mode    string `json:"mode"`
		Filters []struct {
			Key      string   `json:"key"`
			Operator string   `json:"operator"`
			Values   []string `json:"values"`
		} `json:"filters"`
	} `json:"filterGroup"`
}

// readSearch decodes the search body of c and its page request; bad is
// the 400 answer's message when either is refused, else empty.
func readSearch(c *Call) (q searchInput, page, size int, bad string) {
	if err := json.NewDecoder(bytes.NewReader(c.Raw)).Decode(&q); err != nil {
		return q, 0, 0, "malformed search input"
	}
	page, size, ok := pageRequest(c.Body)
	if !ok {
		return q, 0, 0, "page must be >= 0 and size 1 to 1000"
	}
	return q, page, size, ""
}

// pageRequest returns the page and size a search body asks for, its
// Pagination's int fields as bound (rule 16: "5" and 5.5 are 5; null is
// 0), their defaults when left out (0 and 20, Pagination.java:17-25), and
// false when they are outside what the stand-in pages (page 0 on, size 1
// to 1000: @Min(0), @Max(1000)).
func pageRequest(body map[string]any) (page, size int, ok bool) {
	page, size = 0, 20
	if v, given := body["page"]; given {
		page = javaInt(v)
	}
	if v, given := body["size"]; given {
		size = javaInt(v)
	}
	return page, size, page >= 0 && size >= 1 && size <= 1000
}

// pageOf answers page (from 0) of all, size rows a page, as Spring pages
// a search result whose count query counts len(all).
func pageOf(all []map[string]any, page, size int) (int, string, []byte) {
	return pageCounted(all, page, size, len(all))
}

// pageCounted answers page (from 0) of all, size rows a page, as Spring
// Data pages a search (SimpleJpaRepository.findAll(Specification,
// Pageable) → PageableExecutionUtils.getPage): its totalElements is the
// page's own rows when the first page is short, its offset and rows when
// a later page is short and not empty, else what the count query
// answers, counted.
func pageCounted(all []map[string]any, page, size, counted int) (int, string, []byte) {
	lo := min(page*size, len(all))
	content := all[lo:min(lo+size, len(all))]
	if content == nil {
		content = []map[string]any{}
	}
	total := counted
	switch {
	case page == 0 && len(content) < size:
		total = len(content)
	case page > 0 && len(content) > 0 && len(content) < size:
		total = page*size + len(content)
	}
	totalPages := (total + size - 1) / size
	reply, _ := json.Marshal(map[string]any{
		"content": content, "number": page, "size": size, "totalElements": total,
		"totalPages": totalPages, "first": page == 0, "last": page >= totalPages-1, "empty": len(content) == 0,
	})
	return http.StatusOK, jsonType, reply
}
