package frameworktest_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// bare is an executor with neither manifest nor params.
type bare struct{}

func (bare) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// paramsExecutor has a manifest and params of its own.
type paramsExecutor struct{ bare }

type testParams struct{ N int }

func (paramsExecutor) NewParams() any { return &testParams{N: 7} }

func (paramsExecutor) Manifest() framework.Manifest {
	return framework.Manifest{Name: "probe", Category: framework.Cloud,
		Expectations: []framework.ExpectationType{framework.Detection, framework.Vulnerability}}
}

// fields are what an Inject holds, less its logger.
type fields struct {
	ID, Injector     string
	Category         framework.Category
	Targets          []framework.Target
	ExpectationTypes []framework.ExpectationType
	Params           any
}

func TestInjectWith(t *testing.T) {
	net1 := signatures.NetworkConfig{TargetIPv4: "192.0.2.1"}
	net2 := signatures.NetworkConfig{TargetHostname: "web.example.com"}
	nop := zap.NewNop()
	tests := []struct {
		name string
		in   *framework.Inject
		want fields
		log  *zap.Logger // nil: a test logger
	}{
		{"no manifest, no params factory", frameworktest.InjectWith(t, bare{}),
			fields{ID: frameworktest.InjectID, Params: map[string]any{},
				ExpectationTypes: []framework.ExpectationType{framework.Detection}}, nil},
		{"manifest and params", frameworktest.InjectWith(t, paramsExecutor{}),
			fields{ID: frameworktest.InjectID, Injector: "probe", Category: framework.Cloud, Params: &testParams{N: 7},
				ExpectationTypes: []framework.ExpectationType{framework.Detection, framework.Vulnerability}}, nil},
		{"targets", frameworktest.Inject(t, paramsExecutor{}, net1, net2),
			fields{ID: frameworktest.InjectID, Injector: "probe", Category: framework.Network, Params: &testParams{N: 7},
				Targets: []framework.Target{{Config: net1, Attribution: signatures.Attribution{Asset: "asset-a"}},
					{Config: net2, Attribution: signatures.Attribution{Asset: "asset-b"}}},
				ExpectationTypes: []framework.ExpectationType{framework.Detection, framework.Vulnerability}}, nil},
		{"every option", frameworktest.InjectWith(t, paramsExecutor{},
			frameworktest.WithTarget(framework.Target{Config: net2, Attribution: signatures.Attribution{Asset: "web"}}),
			frameworktest.WithTargets(net1),
			frameworktest.WithParams((*testParams)(nil)),
			frameworktest.WithLogger(nop),
			frameworktest.WithExpectations(framework.Prevention)),
			fields{ID: frameworktest.InjectID, Injector: "probe", Category: framework.Network, Params: (*testParams)(nil),
				Targets: []framework.Target{{Config: net2, Attribution: signatures.Attribution{Asset: "web"}},
					{Config: net1, Attribution: signatures.Attribution{Asset: "asset-b"}}},
				ExpectationTypes: []framework.ExpectationType{framework.Prevention}}, nop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.Log == nil || (tt.log != nil && tt.in.Log != tt.log) {
				t.Errorf("logger %v", tt.in.Log)
			}
			got := fields{tt.in.ID, tt.in.Injector, tt.in.Category, tt.in.Targets, tt.in.ExpectationTypes, tt.in.Params}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("inject %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}

// brokenManifest is an executor whose Manifest panics.
type brokenManifest struct{ bare }

func (brokenManifest) Manifest() framework.Manifest { panic("boom in manifest") }

// A panic of Manifest is reported through t, naming the method and the
// panic's message, instead of crashing the test binary; the inject is
// built as without a manifest.
func TestInjectWithReportsAManifestPanic(t *testing.T) {
	var in *framework.Inject
	msgs := check(t, func(tb testing.TB) { in = frameworktest.InjectWith(tb, brokenManifest{}) })
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Manifest panicked: boom in manifest") {
		t.Fatalf("reported %q, want one failure naming the Manifest panic", msgs)
	}
	if in == nil || in.ID != frameworktest.InjectID || in.Injector != "" {
		t.Errorf("inject = %+v, want one built as without a manifest", in)
	}
}

// brokenParams is an executor whose NewParams panics.
type brokenParams struct{ bare }

func (brokenParams) NewParams() any { panic("boom in params") }

// namedBrokenParams is brokenParams with a manifest naming it "broken".
type namedBrokenParams struct{ brokenParams }

func (namedBrokenParams) Manifest() framework.Manifest {
	return framework.Manifest{Name: "broken", Category: framework.Network}
}

// A panic of NewParams fails the test through t, naming the injector (its
// manifest's name, else its Go type) and the method, instead of crashing
// the test binary.
func TestInjectWithReportsANewParamsPanic(t *testing.T) {
	tests := []struct {
		name string
		ex   framework.Executor
		want string
	}{
		{"with a manifest", namedBrokenParams{}, "injector broken: NewParams panicked: boom in params"},
		{"without a manifest", brokenParams{}, "injector frameworktest_test.brokenParams: NewParams panicked: boom in params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in *framework.Inject
			msgs := check(t, func(tb testing.TB) { in = frameworktest.InjectWith(tb, tt.ex) })
			if len(msgs) != 1 || !strings.Contains(msgs[0], tt.want) {
				t.Fatalf("reported %q, want one failure containing %q", msgs, tt.want)
			}
			if in != nil {
				t.Errorf("inject = %+v, want none: the test stops at the failure", in)
			}
		})
	}
}

// TestWithTargetsNamesManyAssets: past asset-z the asset ids go on in
// letters, asset-aa, asset-ab…, as a spreadsheet names its columns:
// each one distinct and printable, never asset-{ nor a control character.
func TestWithTargetsNamesManyAssets(t *testing.T) {
	cfgs := make([]signatures.Config, 0, 800)
	for i := range 800 {
		cfgs = append(cfgs, signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("127.0.%d.%d", i/256, i%256)})
	}
	in := frameworktest.Inject(t, &frameworktest.Executor{}, cfgs...)
	seen := map[string]bool{}
	for i, tg := range in.Targets {
		a := tg.Attribution.Asset
		if !regexp.MustCompile(`^asset-[a-z]+$`).MatchString(a) || seen[a] {
			t.Fatalf("target %d: asset %q; want asset- and letters, each once", i, a)
		}
		seen[a] = true
	}
	for i, want := range map[int]string{0: "asset-a", 25: "asset-z", 26: "asset-aa", 27: "asset-ab", 51: "asset-az", 52: "asset-ba", 701: "asset-zz", 702: "asset-aaa"} {
		if got := in.Targets[i].Attribution.Asset; got != want {
			t.Errorf("target %d: asset %q, want %q", i, got, want)
		}
	}
}
