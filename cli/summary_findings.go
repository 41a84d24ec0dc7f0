package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// The summary reads an injector's findings by their JSON shape, the one
// the platform gets, so that it needs no injector's package: the keys of
// the reference injectors are shown per target (nmap's, see
// summary_nmap.go; query's results and cves, cloudscan's configs and
// findings_summary), any other key as one line of the whole inject.

// queryResult is an entry of query's results, one per target.
type queryResult struct {
	Query   string `json:"query"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Total   int    `json:"total"`
	Matches []struct {
		IP        string   `json:"ip"`
		Port      int      `json:"port"`
		Transport string   `json:"transport"`
		Hostnames []string `json:"hostnames"`
		Product   string   `json:"product"`
		Version   string   `json:"version"`
		Vulns     []string `json:"vulns"`
	} `json:"matches"`
}

// cveEntry is an entry of query's cves.
type cveEntry struct {
	ID       string   `json:"id"`
	Host     []string `json:"host"`
	Severity string   `json:"severity"`
}

// cloudConfig is an entry of cloudscan's configs, one per target.
type cloudConfig struct {
	CloudProvider  string `json:"cloud_provider"`
	CloudAccountID string `json:"cloud_account_id"`
	CloudRegion    string `json:"cloud_region"`
	Status         string `json:"status"`
	Error          string `json:"error"`
	Checks         map[string]*struct {
		Findings []json.RawMessage `json:"findings"`
		Errors   []cloudCheckError `json:"errors"`
		Failed   bool              `json:"failed"`
		Global   bool              `json:"global"`
	} `json:"checks"`
}

// cloudCheckError is a failed call of a cloudscan check.
type cloudCheckError struct {
	Operation string `json:"operation"`
	Resource  string `json:"resource"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// findingsView is what the summary shows of the findings: lines per
// target (by index) and lines of the whole inject.
type findingsView struct {
	perTarget map[int][]string
	status    map[int]string // a target's own outcome, when the findings give one
	general   []string
}

// maxListed is the most items of one list a summary line shows.
const maxListed = 10

// readFindings reads the findings of an inject over targets, each named
// as the summary names it (labels). complete says the run finished (a
// success or a partial success): only then does a target without a
// result mean that nothing was found on it, rather than that it was not
// scanned (the run failed or was cut short).
func readFindings(findings map[string]any, labels []string, complete bool) findingsView {
	v := findingsView{perTarget: map[int][]string{}, status: map[int]string{}}
	if len(findings) == 0 {
		return v
	}
	raw := map[string]json.RawMessage{}
	if b, err := json.Marshal(findings); err != nil || json.Unmarshal(b, &raw) != nil {
		return v
	}
	done := map[string]bool{"action_output": true} // nmap's raw XML: -o json has it
	v.nmapFindings(raw, labels, complete, done)
	var results []queryResult
	if decode(raw, "results", &results, done) && len(results) == len(labels) {
		v.queryResults(results)
		done["matched_ips"], done["matched_ipv6"] = true, true
	}
	var cves []cveEntry
	if decode(raw, "cves", &cves, done) {
		for _, c := range list(cves, maxListed) {
			v.general = append(v.general, fmt.Sprintf("%s (%s): %s", c.ID, c.Severity, strings.Join(c.Host, ", ")))
		}
		if len(cves) > maxListed {
			v.general = append(v.general, fmt.Sprintf("… %d more CVEs", len(cves)-maxListed))
		}
	}
	var configs []cloudConfig
	var summary []string
	_ = decode(raw, "findings_summary", &summary, done)
	if decode(raw, "configs", &configs, done) && len(configs) == len(labels) {
		v.cloudConfigs(configs, summary)
	} else {
		v.general = append(v.general, summary...)
	}
	v.general = append(v.general, otherFindings(raw, done)...)
	return v
}

// decode decodes key of raw into dst, marking it done when it has that
// shape.
func decode(raw map[string]json.RawMessage, key string, dst any, done map[string]bool) bool {
	b, ok := raw[key]
	if !ok || json.Unmarshal(b, dst) != nil {
		return false
	}
	done[key] = true
	return true
}

func (v *findingsView) queryResults(results []queryResult) {
	for i, r := range results {
		v.status[i] = r.Status
		if r.Error != "" {
			v.status[i] += ": " + r.Error
		}
		if r.Status == "success" {
			total := max(r.Total, len(r.Matches)) // a provider's answer may lack its total
			v.status[i] = fmt.Sprintf("%d of %d %s", len(r.Matches), total, plural(total, "match", "matches"))
		}
		for _, m := range list(r.Matches, maxListed) {
			line := net.JoinHostPort(m.IP, strconv.Itoa(m.Port))
			if m.Transport != "" {
				line += "/" + m.Transport
			}
			if pv := strings.TrimSpace(m.Product + " " + m.Version); pv != "" {
				line += " " + pv
			}
			if len(m.Hostnames) > 0 {
				line += " (" + joinList(m.Hostnames, 3, ", ") + ")"
			}
			if len(m.Vulns) > 0 {
				line += " " + joinList(m.Vulns, 5, ", ")
			}
			v.perTarget[i] = append(v.perTarget[i], line)
		}
		if len(r.Matches) > maxListed {
			v.perTarget[i] = append(v.perTarget[i], fmt.Sprintf("… %d more matches", len(r.Matches)-maxListed))
		}
	}
}

// cloudConfigs shows, per target, the lines of findings_summary about its
// account and region (or its account's global checks) from the services
// it checked (a line names its service first: "s3 bucket …"), its failed
// checks, and the calls on single resources that failed in the others
// (what made it partial).
func (v *findingsView) cloudConfigs(configs []cloudConfig, summary []string) {
	for i, c := range configs {
		v.status[i] = c.Status
		if c.Error != "" {
			v.status[i] += ": " + c.Error
		}
		for _, where := range []string{c.CloudRegion, "global"} {
			prefix := " " + c.CloudProvider + " " + c.CloudAccountID + " " + where + ": "
			for _, s := range summary {
				sev, rest, ok := strings.Cut(s, prefix)
				if svc, _, _ := strings.Cut(rest, " "); ok && c.Checks[svc] == nil {
					continue // another target's service (one narrowed to ec2 does not show iam)
				}
				if ok {
					if where == "global" {
						rest = "(global) " + rest
					}
					v.perTarget[i] = append(v.perTarget[i], sev+" "+rest)
				}
			}
		}
		services := make([]string, 0, len(c.Checks))
		for s := range c.Checks {
			services = append(services, s)
		}
		sort.Strings(services)
		for _, s := range services {
			ch := c.Checks[s]
			switch {
			case ch == nil || len(ch.Errors) == 0:
			case ch.Failed:
				v.perTarget[i] = append(v.perTarget[i], fmt.Sprintf("%s check failed: %s", s, ch.Errors[0].note()))
			default:
				for _, e := range list(ch.Errors, maxListed) {
					v.perTarget[i] = append(v.perTarget[i], fmt.Sprintf("%s error: %s", s, e.note()))
				}
				if len(ch.Errors) > maxListed {
					v.perTarget[i] = append(v.perTarget[i], fmt.Sprintf("… %d more %s errors", len(ch.Errors)-maxListed, s))
				}
			}
		}
	}
}

// note names the failed call by its AWS error code, its message when it
// has none: "ListAccessKeys bob: AccessDenied". configs holds the whole
// message.
func (e cloudCheckError) note() string {
	what := e.Code
	switch {
	case what == "":
		what = e.Message
	case what == "UnknownError" && e.Message != "" && e.Message != what:
		// The SDK's code for an error answer holding none of AWS's: the
		// message names its HTTP status.
		what += " (" + e.Message + ")"
	}
	return strings.TrimSpace(e.Operation+" "+e.Resource) + ": " + what
}

// otherFindings shows the keys no reference shape read: a scalar or a
// short list in full, anything else by its size.
func otherFindings(raw map[string]json.RawMessage, done map[string]bool) []string {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		if !done[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		// Numbers as the wire carries them: an integer exact, not a float64.
		var val any
		dec := json.NewDecoder(bytes.NewReader(raw[k]))
		dec.UseNumber()
		if dec.Decode(&val) != nil {
			continue
		}
		switch x := val.(type) {
		case nil:
		case string:
			if x != "" && len(x) <= 200 && !strings.Contains(x, "\n") {
				out = append(out, k+": "+x)
			} else if x != "" {
				out = append(out, fmt.Sprintf("%s: %d bytes (-o json shows them)", k, len(x)))
			}
		case []any:
			out = append(out, k+": "+shortList(x))
		case map[string]any:
			out = append(out, fmt.Sprintf("%s: %d %s (-o json shows them)", k, len(x), plural(len(x), "entry", "entries")))
		default:
			out = append(out, fmt.Sprintf("%s: %v", k, x))
		}
	}
	return out
}

// shortList writes a list of scalars in one line, a longer or nested one
// by its length.
func shortList(xs []any) string {
	if len(xs) == 0 {
		return "none"
	}
	var parts []string
	for _, x := range xs {
		switch x.(type) {
		case map[string]any, []any:
			return fmt.Sprintf("%d %s (-o json shows them)", len(xs), plural(len(xs), "item", "items"))
		}
		parts = append(parts, fmt.Sprint(x))
	}
	return joinList(parts, maxListed, ", ")
}

// joinList joins the first n of xs with sep, and says how many more there
// are: a list cut short never reads as whole.
func joinList(xs []string, n int, sep string) string {
	s := strings.Join(list(xs, n), sep)
	if len(xs) > n {
		s += fmt.Sprintf("%s… %d more", sep, len(xs)-n)
	}
	return s
}

// labelIndex finds targets by the address or name a finding writes: an
// address in any form, a name in any case.
type labelIndex map[string][]int

func newLabelIndex(labels []string) labelIndex {
	x := labelIndex{}
	for i, l := range labels {
		k := targetWord(l)
		x[k] = append(x[k], i)
	}
	return x
}

func (x labelIndex) of(t string) []int { return x[targetWord(t)] }

func sameWord(a, b string) bool { return targetWord(a) == targetWord(b) }

func targetWord(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return strings.ToLower(s)
}

func list[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}
