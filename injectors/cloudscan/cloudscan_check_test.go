package cloudscan

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// The checks every golden case passes besides its golden: the invariants
// of its output, and the view of it the golden files hold.

// checkInvariants holds for every run: every page the stand-in announced
// was read, the calls reported are exactly the
// calls the stand-ins saw that a trail logs (none signed for a region the
// account has not enabled), each under the region it was signed for (the
// region whose trail records it), reported only by the targets of the
// account the identity call proved (its trail is the one that logged
// them), every call carried the injectkit user agent, and there is one
// target extra per configuration.
func checkInvariants(t *testing.T, spec caseSpec, st *standIn, out framework.ToolOutput) {
	t.Helper()
	for _, c := range st.calls() {
		if !strings.Contains(c.UserAgent, "injectkit/"+testVersion) {
			t.Errorf("%s sent with user agent %q, want one holding injectkit/%s", c.Event, c.UserAgent, testVersion)
		}
	}
	if pages := st.unfollowed(); len(pages) > 0 {
		t.Errorf("pages never read (issued paging token no request came back with): %q", pages)
	}
	if out.TargetExtras == nil {
		if len(st.calls()) != 0 {
			t.Errorf("no target extras but the stand-in saw %q", st.seen())
		}
		return
	}
	extras := byPosition(t, spec.Targets, out)
	if slices.ContainsFunc(extras, isNil) {
		t.Fatalf("target extras %v, want one per target (%d)", extras, len(spec.Targets))
	}
	// Each target's own outcome is its configuration's, whatever the run's.
	configs, _ := out.Findings[FieldConfigs].([]*ConfigResult)
	for i, c := range spec.Targets {
		if got := out.TargetStatus[targetOf(c)]; i >= len(configs) || string(got) != configs[i].Status {
			t.Errorf("target %d: own outcome %q, want its configuration's status", i, got)
		}
	}
	union := map[string]bool{} // "region call"
	account, proved := st.identity(), false
	for i, te := range extras {
		if spec.Targets[i].CloudAccountID == account {
			proved = true
		}
		det, pre := te[framework.Detection], te[framework.Prevention]
		if !reflect.DeepEqual(det, pre) {
			t.Errorf("target %d: DETECTION extras %v differ from PREVENTION %v", i, det, pre)
		}
		if det == nil {
			continue
		}
		byRegion, _ := det[ExtraCloudAPICallsOtherRegions].(map[string][]string)
		if _, ok := byRegion[spec.Targets[i].CloudRegion]; ok {
			t.Errorf("target %d lists its own region %s among the other regions", i, spec.Targets[i].CloudRegion)
		}
		all := map[string][]string{spec.Targets[i].CloudRegion: nil}
		all[spec.Targets[i].CloudRegion], _ = det[ExtraCloudAPICalls].([]string)
		for r, calls := range byRegion {
			all[r] = calls
		}
		for r, calls := range all {
			if len(calls) > 0 && spec.Targets[i].CloudAccountID != account {
				t.Errorf("target %d of account %s reports %q in %s, calls made under account %q",
					i, spec.Targets[i].CloudAccountID, calls, r, account)
			}
			for _, c := range calls {
				union[r+" "+c] = true
			}
		}
		if ua, _ := det[ExtraUserAgent].(string); !strings.Contains(ua, "injectkit/"+testVersion) {
			t.Errorf("target %d: user_agent %q lacks injectkit/%s", i, ua, testVersion)
		}
		checkUserAgent(t, i, spec.Targets[i].CloudRegion, det, st)
	}
	got, want := []string{}, []string{}
	for c := range union {
		got = append(got, c)
	}
	if proved {
		for _, c := range st.logged() {
			want = append(want, c.Region+" "+c.Event)
		}
	}
	if !sameSet(got, dedup(want)) {
		t.Errorf("reported calls by region %q, want %q (the stand-in's, under account %q)", got, dedup(want), account)
	}
}

// identityCall is the identity call, as the stand-in and the extras name it.
const identityCall = "sts.amazonaws.com:GetCallerIdentity"

// checkUserAgent checks that the user_agent of target i (in region, its
// DETECTION extras det) is, as CloudTrail logs it (seenCall.TrailAgent),
// a User-Agent header the stand-in saw on the
// first call the target lists of its own checks (its region's calls, then
// the other regions' by region, the identity call only when it lists no
// other): the one CloudTrail logged for that event, never the identity
// call's when its checks made calls of their own.
func checkUserAgent(t *testing.T, i int, region string, det map[string]any, st *standIn) {
	t.Helper()
	ua, _ := det[ExtraUserAgent].(string)
	own, _ := det[ExtraCloudAPICalls].([]string)
	others, _ := det[ExtraCloudAPICallsOtherRegions].(map[string][]string)
	type listed struct{ region, event string }
	var order []listed
	for _, c := range own {
		order = append(order, listed{region, c})
	}
	for _, r := range slices.Sorted(maps.Keys(others)) {
		for _, c := range others[r] {
			order = append(order, listed{r, c})
		}
	}
	if checks := slices.DeleteFunc(slices.Clone(order), func(l listed) bool { return l.event == identityCall }); len(checks) > 0 {
		order = checks
	}
	if len(order) == 0 {
		return
	}
	first, sent := order[0], map[string]bool{}
	for _, c := range st.calls() {
		if c.Region == first.region && c.Event == first.event {
			sent[c.TrailAgent] = true
		}
	}
	if !sent[ua] {
		t.Errorf("target %d: user_agent %q, want the one %s in %s sent: %q", i, ua, first.event, first.region, slices.Sorted(maps.Keys(sent)))
	}
}

func dedup(s []string) []string {
	set := map[string]bool{}
	out := []string{}
	for _, x := range s {
		if !set[x] {
			set[x] = true
			out = append(out, x)
		}
	}
	return out
}

// goldenView renders the output with the user agent (which names the Go
// version and the OS) and the stand-in's endpoint (its port changes) replaced
// by placeholders.
func goldenView(t *testing.T, spec caseSpec, out framework.ToolOutput, endpoint string) []byte {
	t.Helper()
	// The output as the signatures see it: per-target extras by position.
	view := signatures.ToolOutput{Status: out.Status, ErrorInfo: out.ErrorInfo, ExtraSignatures: out.ExtraSignatures,
		ExtraByType: out.ExtraByType, Findings: out.Findings}
	for _, te := range byPosition(t, spec.Targets, out) {
		if out.TargetExtras == nil {
			break
		}
		cp := framework.TypeExtras{}
		for typ, m := range te {
			mm := map[string]any{}
			for k, v := range m {
				if k == ExtraUserAgent {
					v = "<user agent>"
				}
				mm[k] = v
			}
			cp[typ] = mm
		}
		view.TargetExtras = append(view.TargetExtras, cp)
	}
	if out.Status == framework.StatusTimeout {
		t.Fatalf("unexpected timeout")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(view); err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b.Bytes(), []byte(endpoint), []byte("<endpoint>"))
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[string]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		if !set[x] {
			return false
		}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
