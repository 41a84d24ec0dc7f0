package openaev

import (
	"context"
	"fmt"
	"strconv"
)

// addGroups appends the targets of the assets of asset groups, paged from
// the platform once per distinct group id, in the message's order. A
// group that yields a target is named in Groups; one that yields none is
// described in Barren: no endpoints on the platform (the platform answers
// a group it does not know with an empty page, as it does an empty one),
// or none of its endpoints usable (they are in Skipped). An asset in
// several groups is one target, of the first group. More than limit
// endpoints in all, counted as each group is paged (its paging stopped
// as soon as the limit is passed), are refused. The host names of the
// assets of every group are resolved with hosts at once, once all are
// paged (lookupLocal).
func (t *Selection) addGroups(ctx context.Context, groups []AssetGroup, prop string, pager targetPager, hosts hostLookup, limit int) error {
	type page struct {
		group  AssetGroup
		assets []Asset
	}
	var pages []page
	var all []Asset
	paged := map[string]bool{}
	endpoints := 0
	for _, g := range groups {
		if g.ID == "" || paged[g.ID] {
			continue
		}
		paged[g.ID] = true
		assets, err := pager.GroupAssetsUpTo(ctx, g.ID, limit-endpoints)
		if err != nil {
			return fmt.Errorf("asset group %s: %w", groupName(g), err)
		}
		if endpoints += len(assets); endpoints > limit {
			// The group's paging stopped past the limit: at least that many.
			return &ValidationError{Field: "assetGroups", Reason: fmt.Sprintf(
				"at least %d targets, more than max_targets (%d), the most an inject may have", endpoints, limit)}
		}
		pages = append(pages, page{g, assets})
		all = append(all, assets...)
	}
	// The host names of every group's assets are resolved at once.
	local := lookupLocal(ctx, hosts, all, prop)
	seen := map[string]bool{}
	for _, p := range pages {
		g, assets := p.group, p.assets
		if len(assets) == 0 {
			t.Barren = append(t.Barren, "asset group "+groupLabel(g)+" has no endpoints on the platform")
			continue
		}
		yielded := false
		for _, a := range assets {
			if t.add(a, g.ID, prop, seen, local) {
				yielded = true
			}
		}
		if !yielded {
			n := len(assets)
			t.Barren = append(t.Barren, "asset group "+groupLabel(g)+": none of its "+strconv.Itoa(n)+
				" endpoint"+plural(n)+" gave a target")
			continue
		}
		t.Groups = append(t.Groups, groupName(g))
	}
	return nil
}

// groupName is the name of an asset group, else its id.
func groupName(g AssetGroup) string {
	if g.Name == "" {
		return g.ID
	}
	return g.Name
}

// groupLabel is an asset group's id and, when it has a different one, its
// name: "g-empty (Empty)".
func groupLabel(g AssetGroup) string {
	if g.Name == "" || g.Name == g.ID {
		return shownLabel(g.ID)
	}
	return shownLabel(g.ID) + " (" + shownLabel(g.Name) + ")"
}
