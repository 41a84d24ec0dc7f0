package cloudscan

import (
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
		st.knowKey(testAccessKeyID, testSecretKey, spec.SessionToken)
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
