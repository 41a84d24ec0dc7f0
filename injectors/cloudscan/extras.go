package cloudscan

import (
	"maps"
	"slices"

	"github.com/injectkit/injectkit/framework"
)

// Extra signature names.
const (
	ExtraCloudAPICalls             = "cloud_api_calls"
	ExtraCloudAPICallsOtherRegions = "cloud_api_calls_other_regions"
	ExtraUserAgent                 = "user_agent"
)

// targetExtras returns the DETECTION and PREVENTION extras of the target
// in region: the sorted unique calls made for it that CloudTrail records in
// region, the calls made for it that CloudTrail records in other regions
// (IAM's in its partition's global region, the identity call in the region
// it was made in), by region, and the user agent they carried. A collector
// looks a call up by account, region and event name: a call listed under a
// region whose trail does not record it could never be found.
func targetExtras(region string, recs []*recorder) framework.TypeExtras {
	sets := map[string]map[string]bool{}
	ua := ""
	for _, rec := range recs {
		for r, calls := range rec.byRegion() {
			if sets[r] == nil {
				sets[r] = map[string]bool{}
			}
			for _, c := range calls {
				sets[r][c] = true
			}
		}
		if ua == "" {
			ua = rec.agent()
		}
	}
	if len(sets) == 0 {
		return framework.TypeExtras{}
	}
	extra := map[string]any{}
	elsewhere := map[string][]string{}
	for r, set := range sets {
		calls := slices.Sorted(maps.Keys(set))
		if r == region {
			extra[ExtraCloudAPICalls] = calls
			continue
		}
		elsewhere[r] = calls
	}
	if len(elsewhere) > 0 {
		extra[ExtraCloudAPICallsOtherRegions] = elsewhere
	}
	if ua != "" {
		extra[ExtraUserAgent] = ua
	}
	return framework.TypeExtras{framework.Detection: extra, framework.Prevention: extra}
}
