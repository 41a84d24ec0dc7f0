package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// parseVulns returns the sorted unique CVE ids of a vulns field: an object
// keyed by vulnerability id (the current shape) or a list of ids (older
// banners). Ids prefixed with "!" (verified not vulnerable) and ids that are
// not CVE ids are left out. The scores map a CVE id to the CVSS score
// Shodan gives it in the object form ("cvss", else "cvss_v2"); a CVE
// without a usable score (the list form, a missing, null or out-of-range
// score) has no entry, and the map is nil when no CVE has one.
func parseVulns(raw json.RawMessage) ([]string, map[string]float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return []string{}, nil, nil
	}
	var ids []string
	var obj map[string]json.RawMessage
	switch raw[0] {
	case '{':
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, nil, typeError("vulns", err)
		}
		for id := range obj {
			ids = append(ids, id)
		}
	case '[':
		if err := json.Unmarshal(raw, &ids); err != nil {
			return nil, nil, typeError("vulns", err)
		}
	default:
		return nil, nil, fmt.Errorf("vulns: want an object or a list, got %.20s", raw)
	}
	out := make([]string, 0, len(ids))
	var scores map[string]float64
	for _, raw := range ids {
		id, ok := normalizeCVE(raw)
		if !ok {
			continue
		}
		out = append(out, id)
		if score, ok := cvssOf(obj[raw]); ok {
			if scores == nil {
				scores = map[string]float64{}
			}
			// Two spellings of one id ("cve-…", "CVE-…"): keep the higher.
			if prev, seen := scores[id]; !seen || score > prev {
				scores[id] = score
			}
		}
	}
	return sortUnique(out), scores, nil
}

// cvssOf reads the CVSS score of one entry of a vulns object: "cvss", else
// "cvss_v2", when it is a number from 0 to 10. Anything else is no score,
// never an error: a score is an extra, not a reason to drop a banner.
func cvssOf(raw json.RawMessage) (float64, bool) {
	var v struct {
		CVSS   json.RawMessage `json:"cvss"`
		CVSSv2 json.RawMessage `json:"cvss_v2"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	for _, r := range []json.RawMessage{v.CVSS, v.CVSSv2} {
		var f float64
		if r = bytes.TrimSpace(r); len(r) == 0 || string(r) == "null" {
			continue
		}
		if json.Unmarshal(r, &f) == nil && f >= 0 && f <= 10 {
			return f, true
		}
	}
	return 0, false
}

// normalizeCVE returns id upper-cased when it is a CVE id
// (CVE-YYYY-NNNN with four or more digits).
func normalizeCVE(id string) (string, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	rest, ok := strings.CutPrefix(id, "CVE-")
	if !ok {
		return "", false
	}
	year, seq, ok := strings.Cut(rest, "-")
	if !ok || len(year) != 4 || len(seq) < 4 || !digits(year) || !digits(seq) {
		return "", false
	}
	return id, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sortUnique sorts s and drops duplicates, in place.
func sortUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
