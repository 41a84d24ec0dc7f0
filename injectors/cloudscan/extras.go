package cloudscan

import (
	"maps"
	"slices"
	"strings"

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
// it was made in), by region, and the user agent of its checks' calls
// (checksAgent; the identity call's when they have none). A collector
// looks a call up by account, region and event name: a call listed under a
// region whose trail does not record it could never be found. identity is
// nil when the identity call does not count for the target. A call made
// in a region whose trail does not log it (logged false: a region the
// account has not enabled) is left out: a SIEM could never match it.
func targetExtras(region string, identity *recorder, checks []*recorder, logged func(string) bool) framework.TypeExtras {
	sets := map[string]map[string]bool{}
	recs := checks
	if identity != nil {
		recs = append([]*recorder{identity}, checks...)
	}
	for _, rec := range recs {
		for r, calls := range rec.byRegion() {
			if !logged(r) {
				continue
			}
			if sets[r] == nil {
				sets[r] = map[string]bool{}
			}
			for _, c := range calls {
				sets[r][c] = true
			}
		}
	}
	ua := checksAgent(region, checks, logged)
	if ua == "" && identity != nil {
		ua = checksAgent(region, []*recorder{identity}, logged)
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

// checksAgent returns the User-Agent header of the first call of recs in
// the order the target lists them (those recorded in region, sorted, then
// those of the other regions, by region, each sorted): the one CloudTrail
// logged for that event. The calls of one service do not all carry the
// same header: the SDK's feature metrics (m/…) name what each call used,
// such as a paginator (C) on a list call. It is given as CloudTrail logs
// it (loggedAgent). "" when recs recorded no call a trail logs (logged).
func checksAgent(region string, recs []*recorder, logged func(string) bool) string {
	byRegion := map[string][]string{}
	for _, rec := range recs {
		for r, calls := range rec.byRegion() {
			if !logged(r) {
				continue
			}
			byRegion[r] = append(byRegion[r], calls...)
		}
	}
	regions := slices.Sorted(maps.Keys(byRegion))
	if i := slices.Index(regions, region); i > 0 {
		regions = append(append([]string{region}, regions[:i]...), regions[i+1:]...)
	}
	for _, r := range regions {
		call := slices.Min(byRegion[r])
		for _, rec := range recs {
			if ua := rec.userAgent(r, call); ua != "" {
				return loggedAgent(call, ua)
			}
		}
	}
	return ""
}

// loggedAgent is the userAgent CloudTrail logs for call (an
// "eventSource:eventName") sent with the User-Agent header ua, so that a
// SIEM's exact match finds it: S3 events (s3.amazonaws.com, management and
// data events alike) carry it in square brackets ("userAgent":
// "[aws-cli/1.16.96 Python/2.7.12 …]"; Amazon S3 User Guide, "CloudTrail
// log file entries for Amazon S3 and S3 on Outposts", whose ListBuckets
// entry logs "[]"), the other services' events as sent.
func loggedAgent(call, ua string) string {
	if strings.HasPrefix(call, "s3.amazonaws.com:") {
		return "[" + ua + "]"
	}
	return ua
}
