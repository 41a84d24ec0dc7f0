package cloudscan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Findings keys.
const (
	// FieldConfigs holds the per-configuration results ([]*ConfigResult):
	// every check, finding and error, structured. It is not a declared
	// output: the platform knows no output type for it.
	FieldConfigs = "configs"
	// FieldFindingsSummary holds one readable line per finding ([]string),
	// the declared output (type text) the platform shows.
	FieldFindingsSummary = "findings_summary"
)

// severityRank orders summary lines: high first.
var severityRank = map[string]int{SeverityHigh: 0, SeverityMedium: 1, SeverityLow: 2}

// summarize returns one line per finding of the results, most severe first,
// then in scan order (configurations in order, services sorted). A finding
// of a global check shared by several configurations is listed once.
//
//	[high] aws 123456789012 eu-west-1: s3 bucket public-assets is public: acl grants READ to AllUsers
func summarize(results []*ConfigResult) []string {
	type line struct {
		rank int
		text string
	}
	var lines []line
	seen := map[string]bool{}
	for _, r := range results {
		for _, svc := range slices.Sorted(maps.Keys(r.Checks)) {
			c := r.Checks[svc]
			if c == nil {
				continue
			}
			where := r.CloudRegion
			if c.Global {
				where = "global"
			}
			for _, f := range c.Findings {
				text := fmt.Sprintf("[%s] %s %s %s: %s", f.Severity, r.CloudProvider, r.CloudAccountID, where, describe(f))
				if !seen[text] {
					seen[text] = true
					rank, ok := severityRank[f.Severity]
					if !ok {
						rank = len(severityRank)
					}
					lines = append(lines, line{rank, text})
				}
			}
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].rank < lines[j].rank })
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return out
}

// describe names what a finding is about and why it was reported.
func describe(f Finding) string {
	var what string
	switch f.Kind {
	case KindS3PublicBucket:
		what = "s3 bucket " + f.Resource + " is public"
	case KindS3UnprotectedBucket:
		what = "s3 bucket " + f.Resource + " is not protected from public access"
	case KindEC2OpenIngress:
		what = "ec2 security group " + f.Resource
		if f.GroupName != "" {
			what += " (" + f.GroupName + ")"
		}
	case KindIAMUserWithoutMFA:
		what = "iam user " + firstNonEmpty(f.User, f.Resource)
	case KindIAMOldAccessKey:
		what = "iam access key " + f.Resource
		if f.User != "" {
			what += " of user " + f.User
		}
	default:
		what = f.Kind + " " + f.Resource
	}
	if len(f.Reasons) == 0 {
		return what
	}
	return what + ": " + strings.Join(f.Reasons, "; ")
}
