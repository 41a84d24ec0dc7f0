package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"
)

// How the profile pages a search (search.go says which and why sorted).
//
// No sort the platform allows is unique for an endpoint, and the
// platform adds no tiebreaker of its own (2.4.0's SortUtilsJpa.toSortJpa
// turns the body's sorts, and only those, into the ORDER BY): rows tied
// on every sort field come in no order, and where such a run of rows
// straddles a page boundary one of them may be read twice, another never.
// So rows are kept once by their id, and what was read is counted against
// the page's totalElements: short of it, the search is read again with
// another page size, whose boundaries fall elsewhere (the union of the
// passes kept), at most len(rereadSizes) passes; still short, paging
// fails with a *PagingError rather than return a part of the rows.
//
// A platform that no longer allows a sort field refuses the search
// (400, "Unknown sort property 'x'…"): a field the other line names
// otherwise (sortAlias: the current line's asset_hostname is 2.4.0's
// endpoint_hostname) goes by that name from then on, with one INFO line;
// any other is left out of this client's searches from then on, with one
// WARN naming it; and the search is asked again from its first page on
// the fields left (none: unsorted, the count above the only guard).

// rereadSizes are the page sizes of the passes of one search: the
// platform's largest page, then sizes whose page boundaries fall
// elsewhere.
var rereadSizes = []int{TargetsPageSize, TargetsPageSize - 1, TargetsPageSize - 3}

// unknownSort reads the property out of the platform's refusal of a sort,
// both 400: 2.4.0's InvalidSortPropertyException ("Unknown sort property
// 'x', please try an other one"), 1.18's IllegalArgumentException
// ("Property not sortable: x for class …", SortUtilsJpa.toSortJpa).
// Compiled on first use: not at every start of the binary.
var unknownSort = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`Unknown sort property '([^']*)'|Property not sortable: (\S+) for class`)
})

// PagingError reports a search whose pages, read again, still gave fewer
// distinct rows than the platform counts: rows alike on every sort field
// traded places across page boundaries (or the platform's rows changed
// while it was paged).
type PagingError struct {
	Op     string   // "endpoint targets", "stored findings"
	Read   int      // distinct rows read
	Total  int      // the platform's totalElements
	Passes int      // times the search was paged
	Sorts  []string // the properties the pages were last sorted on
}

func (e *PagingError) Error() string {
	on := "unsorted (the platform refused the sort fields)"
	if len(e.Sorts) > 0 {
		on = "sorted on " + strings.Join(e.Sorts, ", ")
	}
	return fmt.Sprintf("%s: read %d distinct rows of the %d the platform counts, paged %d times %s: rows alike on "+
		"every sort field trade places across pages, and none of the platform's sort fields is unique; "+
		"not going on with part of them", e.Op, e.Read, e.Total, e.Passes, on)
}

// pageReply is one page of a search's answer, a Spring page: its rows,
// whether it says it is the last and how many rows the search counts.
type pageReply[T any] struct {
	Content       []T   `json:"content"`
	Last          *bool `json:"last"`
	TotalElements *int  `json:"totalElements"`
}

// pageSpec is one search to page.
type pageSpec[T any] struct {
	req      request
	filter   filterGroup
	order    []sortField
	maxPages int
	// key is a row's id ("": kept however often met).
	key func(T) string
	// enough stops paging once it holds, given the rows kept so far.
	enough func(n int) bool
}

// pageAll pages s through as the comment above says.
func pageAll[T any](ctx context.Context, c *Client, s pageSpec[T]) ([]T, error) {
	sorts := c.allowedSorts(s.order)
	var out []T
	seen := map[string]bool{}
	for pass, size := range rereadSizes {
		total := -1
		done := false
		for page := 0; !done; page++ {
			if page == s.maxPages {
				return nil, fmt.Errorf("%s: more than %d pages", s.req.op, s.maxPages)
			}
			reply, err := c.search(ctx, s.req, targetsQuery{Page: page, Size: size, FilterGroup: s.filter, Sorts: sorts})
			if prop := refusedSort(err, sorts); prop != "" {
				c.refuseSort(s.req.op, prop)
				sorts = c.allowedSorts(s.order)
				page = -1 // the order changed: from the first page again
				continue
			}
			if err != nil {
				return nil, err
			}
			var p pageReply[T]
			if err := json.Unmarshal(reply, &p); err != nil {
				return nil, fmt.Errorf("%s, page %d: %w", s.req.op, page, err)
			}
			for _, r := range p.Content {
				if k := s.key(r); k != "" {
					if seen[k] {
						continue
					}
					seen[k] = true
				}
				out = append(out, r)
			}
			if p.TotalElements != nil {
				total = *p.TotalElements
			}
			if s.enough(len(out)) {
				return out, nil
			}
			done = len(p.Content) == 0 || (p.Last != nil && *p.Last) || (p.Last == nil && len(p.Content) < size)
		}
		if total < 0 || len(out) >= total {
			return out, nil
		}
		if pass == len(rereadSizes)-1 {
			names := make([]string, len(sorts))
			for i, f := range sorts {
				names[i] = f.Property
			}
			return nil, &PagingError{Op: s.req.op, Read: len(out), Total: total, Passes: pass + 1, Sorts: names}
		}
		c.log.Info("search read again: fewer distinct rows than the platform counts", zap.String("op", s.req.op),
			zap.Int("read", len(out)), zap.Int("total", total), zap.Int("page_size", rereadSizes[pass+1]))
	}
	return out, nil
}

// refusedSort returns the sort property of sorts the platform refused
// with err, "" when err is no such refusal.
func refusedSort(err error, sorts []sortField) string {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		return ""
	}
	m := unknownSort().FindStringSubmatch(ae.Body)
	if m == nil {
		return ""
	}
	prop := m[1] + m[2]
	if !slices.ContainsFunc(sorts, func(s sortField) bool { return s.Property == prop }) {
		return ""
	}
	return prop
}

// allowedSorts returns order without the fields the platform refused, a
// field named by its other line's name (sortAlias) when the platform is of
// the 2.4 line or older, or refused its own, and has not refused that one.
func (c *Client) allowedSorts(order []sortField) []sortField {
	older := c.olderLine()
	c.sortMu.Lock()
	defer c.sortMu.Unlock()
	out := make([]sortField, 0, len(order))
	for _, s := range order {
		if alias, ok := sortAlias[s.Property]; ok && (older || c.refusedSorts[s.Property]) && !c.refusedSorts[alias] {
			s.Property = alias
		}
		if !c.refusedSorts[s.Property] {
			out = append(out, s)
		}
	}
	return out
}

// olderLine reports whether the platform's version, read or given, is of
// the 2.4 line or older; false while it is not known.
func (c *Client) olderLine() bool {
	c.verMu.Lock()
	defer c.verMu.Unlock()
	return (c.verKnown || c.verGiven) && !c.ver.Current
}

// refuseSort records that the platform refused sort property prop, with
// an INFO line the first time when its other name (sortAlias) is tried
// next, a WARN when it is left out.
func (c *Client) refuseSort(op, prop string) {
	c.sortMu.Lock()
	first := !c.refusedSorts[prop]
	if c.refusedSorts == nil {
		c.refusedSorts = map[string]bool{}
	}
	c.refusedSorts[prop] = true
	alias, renamed := sortAlias[prop]
	renamed = renamed && !c.refusedSorts[alias]
	c.sortMu.Unlock()
	if first && renamed {
		c.log.Info(fmt.Sprintf("the platform refuses to sort on %s: searches sort on %s, its name on the platform's line, from now on", prop, alias),
			zap.String("op", op), zap.String("sort_property", prop))
		return
	}
	if first {
		c.log.Warn(fmt.Sprintf("the platform refuses to sort on %s (a newer platform?): searches are sorted on the other fields "+
			"from now on, rows missed across pages read again or reported", prop), zap.String("op", op), zap.String("sort_property", prop))
	}
}
