package cloudscan

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
)

// fakeProvider is a provider whose answers are its fields: it exercises the
// orchestration (identity, fan-out, global checks, status) without an SDK.
type fakeProvider struct {
	openErr  error
	account  string
	idErr    error
	outcomes map[string]string // service → "ok", "resource-error", "fail"

	mu     sync.Mutex
	checks []string // service@region, in call order
}

func (f *fakeProvider) services() []string         { return []string{"store", "net", "id"} }
func (f *fakeProvider) global(service string) bool { return service == "id" }
func (f *fakeProvider) badAccount(string) string   { return "" }
func (f *fakeProvider) badRegion(string) string    { return "" }
func (f *fakeProvider) partition(string) string    { return "fake" }

func (f *fakeProvider) open(context.Context, *zap.Logger, *Params, hostSettings, string) (session, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	return f, nil
}

func (f *fakeProvider) accountID(ctx context.Context, region string) (string, error) {
	recorderFrom(ctx).add(region, "fake:Identify", "fake-agent injectkit/test")
	return f.account, f.idErr
}

func (f *fakeProvider) regionRefusal(string) (string, bool) { return "", false }

func (f *fakeProvider) check(ctx context.Context, service, region, _ string) *CheckResult {
	f.mu.Lock()
	f.checks = append(f.checks, service+"@"+region)
	f.mu.Unlock()
	recorderFrom(ctx).add(region, "fake:Check"+service, "")
	r := newCheckResult()
	switch f.outcomes[service] {
	case "fail":
		r.fail("List"+service, errors.New("denied"))
	case "panic":
		panic("boom")
	case "resource-error":
		r.Findings = append(r.Findings, Finding{Kind: "k", Resource: "r1"})
		r.addError("Get"+service, "r2", errors.New("denied"))
	default:
		r.Findings = append(r.Findings, Finding{Kind: "k", Resource: "r1"})
	}
	return r
}

func TestOrchestration(t *testing.T) {
	cfg := func(account, region, service string) signatures.CloudConfig {
		return signatures.CloudConfig{CloudProvider: "fake", CloudAccountID: account, CloudRegion: region, TargetService: service}
	}
	tests := []struct {
		name       string
		prov       *fakeProvider
		cfgs       []signatures.CloudConfig
		wantStatus signatures.ExecutionStatus
		wantChecks []string // sorted service@region
		wantMsg    string
	}{
		{"all ok", &fakeProvider{account: "1"}, []signatures.CloudConfig{cfg("1", "r1", "")},
			framework.StatusSuccess, []string{"id@r1", "net@r1", "store@r1"}, ""},
		{"global check once over regions", &fakeProvider{account: "1"},
			[]signatures.CloudConfig{cfg("1", "r1", ""), cfg("1", "r2", ""), cfg("1", "r3", "id")},
			framework.StatusSuccess, []string{"id@r1", "net@r1", "net@r2", "store@r1", "store@r2"}, ""},
		{"identical targets share their checks", &fakeProvider{account: "1"},
			[]signatures.CloudConfig{cfg("1", "r1", ""), cfg("1", "r1", "")},
			framework.StatusSuccess, []string{"id@r1", "net@r1", "store@r1"}, ""},
		{"a region's check shared by the targets asking", &fakeProvider{account: "1"},
			[]signatures.CloudConfig{cfg("1", "r1", ""), cfg("1", "r1", "net"), cfg("1", "r2", "net")},
			framework.StatusSuccess, []string{"id@r1", "net@r1", "net@r2", "store@r1"}, ""},
		{"one check fails", &fakeProvider{account: "1", outcomes: map[string]string{"net": "fail"}},
			[]signatures.CloudConfig{cfg("1", "r1", "")}, framework.StatusPartial, []string{"id@r1", "net@r1", "store@r1"}, ""},
		{"resource error", &fakeProvider{account: "1", outcomes: map[string]string{"store": "resource-error"}},
			[]signatures.CloudConfig{cfg("1", "r1", "store")}, framework.StatusPartial, []string{"store@r1"}, ""},
		{"every check fails", &fakeProvider{account: "1", outcomes: map[string]string{"net": "fail", "store": "fail", "id": "fail"}},
			[]signatures.CloudConfig{cfg("1", "r1", ""), cfg("1", "r2", "net")}, framework.StatusFailed,
			[]string{"id@r1", "net@r1", "net@r2", "store@r1"}, "fake r2 net: Listnet: denied"},
		{"a check panics", &fakeProvider{account: "1", outcomes: map[string]string{"net": "panic"}},
			[]signatures.CloudConfig{cfg("1", "r1", "")}, framework.StatusPartial, []string{"id@r1", "net@r1", "store@r1"}, ""},
		{"account mismatch", &fakeProvider{account: "2"}, []signatures.CloudConfig{cfg("1", "r1", "")},
			framework.StatusFailed, nil, "fake credentials belong to account 2, not to cloud_account_id 1"},
		{"one of two accounts", &fakeProvider{account: "2"}, []signatures.CloudConfig{cfg("1", "r1", "net"), cfg("2", "r2", "net")},
			framework.StatusPartial, []string{"net@r2"}, ""},
		{"identity error", &fakeProvider{idErr: errors.New("token expired")}, []signatures.CloudConfig{cfg("1", "r1", "")},
			framework.StatusFailed, nil, "token expired"},
		{"open error", &fakeProvider{openErr: errors.New("no credentials")}, []signatures.CloudConfig{cfg("1", "r1", "")},
			framework.StatusFailed, nil, "no credentials"},
	}
	// The targets no call went to, by position ("": reached); none unless
	// named here.
	const mismatch = "no check run: the credentials belong to account 2"
	unreached := map[string][]string{"account mismatch": {mismatch}, "one of two accounts": {mismatch, ""},
		"identity error": {"no check run: the credentials' account could not be proved"},
		"open error":     {"no check run: the fake configuration could not be loaded"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(withProvider("fake", tt.prov))
			p := defaultParams()
			p.Concurrency = 2
			in := newInject(t, tt.cfgs, p)
			out := e.Execute(context.Background(), in)
			var gotUnreached []string
			if out.Unreached != nil {
				gotUnreached = make([]string, len(in.Targets))
				for i, tg := range in.Targets {
					gotUnreached[i] = out.Unreached[tg]
				}
			}
			if want := unreached[tt.name]; !slices.Equal(gotUnreached, want) || len(out.Unreached) != countSet(want) {
				t.Errorf("not reached %q (%v), want %q", gotUnreached, out.Unreached, want)
			}
			if got := out.ExecutionStatus(); got != tt.wantStatus {
				t.Errorf("status %s, want %s (%+v)", got, tt.wantStatus, out.ErrorInfo)
			}
			if tt.wantMsg != "" && (out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, tt.wantMsg)) {
				t.Errorf("error_info %+v, want %q", out.ErrorInfo, tt.wantMsg)
			}
			got := append([]string(nil), tt.prov.checks...)
			slices.Sort(got)
			if !slices.Equal(got, tt.wantChecks) {
				t.Errorf("checks run %q, want %q", got, tt.wantChecks)
			}
			if extras := byPosition(t, tt.cfgs, out); slices.ContainsFunc(extras, isNil) && tt.prov.openErr == nil {
				t.Errorf("target extras %v, want one per config (%d)", extras, len(tt.cfgs))
			}
			results := out.Findings["configs"].([]*ConfigResult)
			for i, r := range results {
				if r.CloudRegion != tt.cfgs[i].CloudRegion {
					t.Errorf("result %d is for %s, want %s", i, r.CloudRegion, tt.cfgs[i].CloudRegion)
				}
			}
		})
	}
}

// countSet counts the non-empty strings of ss.
func countSet(ss []string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

// Each check's partial result counts its findings and errors in words
// that agree with the counts: "1 finding, 1 error", "0 findings".
func TestPartialResultsCount(t *testing.T) {
	prov := &fakeProvider{account: "1", outcomes: map[string]string{"store": "resource-error", "id": "fail"}}
	e := New(withProvider("fake", prov))
	in := newInject(t, []signatures.CloudConfig{{CloudProvider: "fake", CloudAccountID: "1", CloudRegion: "r1"}}, defaultParams())
	e.Execute(context.Background(), in)
	got := in.PartialResults()
	slices.Sort(got)
	want := []string{"fake global id: 0 findings, 1 error", "fake r1 net: 1 finding, 0 errors", "fake r1 store: 1 finding, 1 error"}
	if !slices.Equal(got, want) {
		t.Errorf("partial results %q, want %q", got, want)
	}
}
