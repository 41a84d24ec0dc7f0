package cloudscan

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

var update = flag.Bool("update", false, "rewrite the golden want.json files")

// Static test credentials: they only ever reach the loopback stand-in.
const (
	testAccessKeyID = "AKIAINJECTKITTEST001"
	testSecretKey   = "c2VjcmV0LWtleS1uZXZlci1sb2dnZWQtaW5qZWN0a2l0"
	testVersion     = "test"
)

// testNow is the clock of every test: access key ages are measured from it.
var testNow = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// setAWSEnv gives the SDK static credentials through the environment and
// cuts it off from anything else: no shared files, no instance metadata.
func setAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                      testAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":                  testSecretKey,
		"AWS_SESSION_TOKEN":                      "",
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_REGION":                             "",
		"AWS_DEFAULT_REGION":                     "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_MAX_ATTEMPTS":                       "",
		"AWS_RETRY_MODE":                         "",
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
}

// caseSpec is testdata/cases/<case>/case.json.
type caseSpec struct {
	Targets    []signatures.CloudConfig   `json:"targets"`
	Params     json.RawMessage            `json:"params"`
	Buckets    []string                   `json:"buckets"`
	WantStatus signatures.ExecutionStatus `json:"want_status"`
	WantErrors []string                   `json:"want_error_contains"`
	WantSeen   *[]string                  `json:"want_seen"`
	WantCounts map[string]int             `json:"want_counts"`
	// Drop lists the events whose connection the stand-in closes
	// unanswered.
	Drop []string `json:"drop"`
	// DisabledRegions lists the opt-in regions the account has not
	// enabled (standIn.disableRegion).
	DisabledRegions []string `json:"disabled_regions"`
	// RefusingRegions lists enabled regions that refuse the credentials
	// (standIn.refuseKeyIn).
	RefusingRegions []string `json:"refusing_regions"`
	// SessionToken, when given, is the credentials' session token
	// (AWS_SESSION_TOKEN): temporary credentials.
	SessionToken string `json:"session_token"`
	// WantFindings lists, when given, every finding of the run as
	// "<kind> <resource>", sorted.
	WantFindings *[]string `json:"want_findings"`
}

func loadCase(t *testing.T, dir string) caseSpec {
	t.Helper()
	var spec caseSpec
	testkit.ReadJSON(t, filepath.Join(dir, "case.json"), &spec)
	return spec
}

// decodeParams decodes raw strictly into the executor's params, as the
// runtime does, and configures e to point the SDK at endpoint.
func decodeParams(t *testing.T, e *Executor, raw json.RawMessage, endpoint string) *Params {
	t.Helper()
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("params: %v", err)
		}
	}
	v, err := framework.DecodeParams(e, m)
	if err != nil {
		t.Fatalf("decode params: %v", err)
	}
	if err := e.Configure(map[string]string{SettingEndpointURL: endpoint}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	return v.(*Params)
}

// newInject builds an inject of the executor over cfgs, each target's
// asset named after its region.
func newInject(t *testing.T, cfgs []signatures.CloudConfig, params any) *framework.Inject {
	t.Helper()
	opts := []frameworktest.InjectOption{frameworktest.WithParams(params)}
	for _, c := range cfgs {
		opts = append(opts, frameworktest.WithTarget(targetOf(c)))
	}
	return frameworktest.InjectWith(t, New(), opts...)
}

// isNil reports whether a target has no extras.
func isNil(te framework.TypeExtras) bool { return te == nil }

// targetOf is c as newInject's inject holds it.
func targetOf(c signatures.CloudConfig) framework.Target {
	return framework.Target{Config: c, Attribution: signatures.Attribution{Asset: "asset-" + c.CloudRegion}}
}

// byPosition returns out's per-target extras of the targets newInject
// made of cfgs, one per configuration (nil: none), as the runtime lays
// them out; a key naming none of them fails the test.
func byPosition(t *testing.T, cfgs []signatures.CloudConfig, out framework.ToolOutput) []framework.TypeExtras {
	t.Helper()
	list := make([]framework.TypeExtras, len(cfgs))
	given := map[framework.Target]bool{}
	for i, c := range cfgs {
		list[i], given[targetOf(c)] = out.TargetExtras[targetOf(c)], true
	}
	for k := range out.TargetExtras {
		if !given[k] {
			t.Errorf("target extras for %s, no target of the inject", k)
		}
	}
	return list
}

func runCase(t *testing.T, dir string) (caseSpec, *standIn, framework.ToolOutput) {
	t.Helper()
	setAWSEnv(t)
	spec := loadCase(t, dir)
	st := newStandIn(t, spec.Buckets, filepath.Join(dir, "fixtures"), filepath.Join("testdata", "fixtures"))
	for _, event := range spec.Drop {
		st.dropOn(event)
	}
	for _, r := range spec.DisabledRegions {
		st.disableRegion(r)
	}
	for _, r := range spec.RefusingRegions {
		st.refuseKeyIn(r)
	}
	if spec.SessionToken != "" {
		t.Setenv("AWS_SESSION_TOKEN", spec.SessionToken)
	}
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, spec.Params, st.URL())
	out := e.Execute(context.Background(), newInject(t, spec.Targets, p))
	return spec, st, out
}

// TestGoldenCases walks testdata/cases: each case runs the executor against
// the stand-ins and compares the output with want.json (-update rewrites
// it), then checks the hand-written expectations of case.json and the
// invariants every run must hold.
func TestGoldenCases(t *testing.T) {
	testkit.Cases(t, filepath.Join("testdata", "cases", "*"), func(t *testing.T, dir string) {
		spec, st, out := runCase(t, dir)

		if got := out.ExecutionStatus(); got != spec.WantStatus {
			t.Errorf("status = %s, want %s (error_info %+v)", got, spec.WantStatus, out.ErrorInfo)
		}
		for _, want := range spec.WantErrors {
			if out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, want) {
				t.Errorf("error_info = %+v, want a message holding %q", out.ErrorInfo, want)
			}
		}
		if spec.WantSeen != nil {
			if got := st.seen(); !reflect.DeepEqual(got, nonNil(*spec.WantSeen)) {
				t.Errorf("stand-in saw %q, want %q", got, *spec.WantSeen)
			}
		}
		if spec.WantFindings != nil {
			configs, _ := out.Findings[FieldConfigs].([]*ConfigResult)
			got := []string{}
			for _, c := range configs {
				for _, svc := range slices.Sorted(maps.Keys(c.Checks)) {
					for _, f := range c.Checks[svc].Findings {
						got = append(got, f.Kind+" "+f.Resource)
					}
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, nonNil(*spec.WantFindings)) {
				t.Errorf("findings %q, want %q", got, *spec.WantFindings)
			}
		}
		for event, n := range spec.WantCounts {
			if got := st.count(event); got != n {
				t.Errorf("stand-in answered %s %d times, want %d", event, got, n)
			}
		}
		checkInvariants(t, spec, st, out)

		testkit.Golden(t, filepath.Join(dir, "want.json"), goldenView(t, spec, out, st.URL()), *update)
	})
}

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
