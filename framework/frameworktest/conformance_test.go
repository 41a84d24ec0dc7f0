package frameworktest_test

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

func TestConformanceFails(t *testing.T) {
	shared := defaultProbe()
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	tests := []failCase{
		{"panicking executor", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			panic("boom")
		}}, fast, "Execute panicked on a cancelled context: boom (a run reports it as a failed run, its message the panic's: fix the bug the stack below shows, " +
			"and return a failure you expect as ToolOutput{Status: framework.StatusFailed"},
		{"manifest default 80, struct default 8080", &probe{manifest: func(m *framework.Manifest) {
			m.Params[0].Default = "80"
		}}, fast, `param "port": the manifest's default is "80", NewParams gives "8080" (derive Manifest.Params with framework.MustParamsSpec(x.NewParams()))`},
		{"executor ignores its context", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			<-block
			return framework.ToolOutput{}
		}}, short, "did not return within 100ms of its context being cancelled"},
		{"executor checks its context on entry only", &probe{exec: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
			if ctx.Err() != nil || len(in.Targets) == 0 {
				return framework.ToolOutput{}
			}
			<-block
			return framework.ToolOutput{}
		}}, short, "did not return within 100ms of its context being cancelled while it ran (checking it on entry is not enough): it must honour ctx: return what it has once ctx.Done() is closed, waiting in a select on it (not time.Sleep)"},
		{"executor never consults its context while running", &probe{exec: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
			if len(in.Targets) == 0 {
				return framework.ToolOutput{}
			}
			select {
			case <-block:
			case <-time.After(time.Hour): // its own deadline, not ctx's
			}
			return framework.ToolOutput{}
		}}, short, "did not return within 100ms of its context being cancelled while it ran"},
		{"extra collides with a core field", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraSignatures: map[string]any{signatures.FieldTargetIPv4: "10.0.0.1"}}
		}}, fast, `ExtraSignatures key "target_ipv4": collides with a core signature field`},
		{"extra named like a core platform type", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraSignatures: map[string]any{string(signatures.TargetIPv4Address): "10.0.0.1"}}
		}}, fast, `ExtraSignatures key "target_ipv4_address": collides with a core signature type (the platform's name of the core field target_ipv4)`},
		{"extra named like a core field in upper case", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraSignatures: map[string]any{"SOURCE_IPV4": "10.0.0.1"}}
		}}, fast, `ExtraSignatures key "SOURCE_IPV4": collides with a core signature field (source_ipv4, in another case)`},
		{"type extra named like a core platform type in mixed case", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraByType: framework.TypeExtras{framework.Detection: {"Source_Ipv4_Address": "10.0.0.1"}}}
		}}, fast, `ExtraByType[DETECTION] key "Source_Ipv4_Address": collides with a core signature type (the platform's name of the core field source_ipv4)`},
		{"target extra named like a core field, folded as Java folds it", &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{in.Targets[0]: {framework.Detection: {"\u017fource_ipv4": "x"}}}}
		}}, fast, "key \"\u017fource_ipv4\": collides with a core signature field (source_ipv4, in another case)"},
		{"extras that differ only in case", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraSignatures: map[string]any{"PROCESS_NAME": "a", "process_name": "b"}}
		}}, fast, `ExtraSignatures key "PROCESS_NAME": collides with another extra (process_name, in another case)`},
		{"executor builds the timeout itself", &probe{exec: func(ctx context.Context, _ *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Status: framework.StatusTimeout} // ctx not done
		}}, fast, "Execute returned StatusTimeout on a live inject nobody cancelled"},
		{"executor fails when its deadline passes", &probe{exec: failsOnCtx}, fast,
			"Execute returned StatusFailed once its 300ms deadline had passed (ctx.Err(): context deadline exceeded): the runtime reports such a run failed (OpenAEV ERROR), not timed out, and drops its partial results (1 reported)"},
		{"executor fails when cancelled", &probe{exec: failsOnCtx}, fast,
			"Execute returned StatusFailed once its context was cancelled while it ran (as Ctrl-C does) (ctx.Err(): context canceled): " +
				"the runtime reports such a run failed (OpenAEV ERROR), not timed out, and drops its partial results (1 reported); " +
				"the errors the cancellation causes (context deadline exceeded, signal: killed) are no failure of the tool: ask ctx.Err() before returning StatusFailed"},
		{"type extra named like a core platform type", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraByType: framework.TypeExtras{framework.Detection: {string(signatures.StartDate): "x"}}}
		}}, fast, `ExtraByType[DETECTION] key "start_date": collides with a core signature type`},
		{"type extra collides with a core field", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraByType: framework.TypeExtras{framework.Detection: {signatures.FieldStartTime: "x"}}}
		}}, fast, `ExtraByType[DETECTION] key "start_time"`},
		{"extra JSON cannot encode (+Inf)", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraSignatures: map[string]any{"process_name": math.Inf(1)}}
		}}, fast, `ExtraSignatures key "process_name": value "+Inf" cannot be encoded as JSON`},
		{"type extra JSON cannot encode (NaN)", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraByType: framework.TypeExtras{framework.Detection: {"score": math.NaN()}}}
		}}, fast, `ExtraByType[DETECTION] key "score": value "NaN" cannot be encoded as JSON`},
		{"target extra JSON cannot encode (chan)", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{live: {framework.Detection: {"c": make(chan int)}}}}
		}}, fast, `TargetExtras[{"target_ipv4":"127.0.0.1"}][DETECTION] key "c": cannot be encoded as JSON (a chan int value)`},
		{"crash timestamp no RFC 3339 time", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Status: framework.StatusFailed,
				ErrorInfo: &framework.ErrorInfo{ExitCode: 1, CrashTimestamp: "yesterday\x00", Message: "crashed"}}
		}}, fast, `invalid error_info.crash_timestamp "yesterday\x00": not an RFC 3339 time`},
		{"finding JSON cannot encode (NaN)", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Findings: map[string]any{"results": "fine", "score": math.NaN()}}
		}}, fast, `Findings key "score": value "NaN" cannot be encoded as JSON`},
		{"finding JSON cannot encode (chan)", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Findings: map[string]any{"c": make(chan int)}}
		}}, fast, `Findings key "c": cannot be encoded as JSON (a chan int value)`},
		{"finding whose MarshalJSON panics", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Findings: map[string]any{"results": "fine", "details": panicJSON{}}}
		}}, fast, `Findings key "details": cannot be encoded as JSON: encoding it panicked: marshal boom`},
		{"target extra whose MarshalJSON panics", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{live: {framework.Detection: {"p": []any{panicJSON{}}}}}}
		}}, fast, `TargetExtras[{"target_ipv4":"127.0.0.1"}][DETECTION] key "p": cannot be encoded as JSON: encoding it panicked: marshal boom`},
		{"type extras of an unknown type", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraByType: framework.TypeExtras{"detection": {"process_name": "x"}}}
		}}, fast, `ExtraByType key "detection" is no expectation type`},
		{"target extras of an unknown type", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{live: {"Detection": {"process_name": "x"}}}}
		}}, fast, `TargetExtras[{"target_ipv4":"127.0.0.1"}] key "Detection" is no expectation type`},
		{"target extras of no target", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{
				{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.9"}}: {framework.Detection: {"port": 1}}}}
		}}, fast, `TargetExtras key {"target_ipv4":"127.0.0.9"} is not one of the inject's 1 targets`},
		{"not reached: no target", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Unreached: map[framework.Target]string{
				{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.9"}}: "not scanned"}}
		}}, fast, `Unreached key {"target_ipv4":"127.0.0.9"} is not one of the inject's 1 targets`},
		{"not reached: the target without its attribution", &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Unreached: map[framework.Target]string{{Config: in.Targets[0].Config}: "not scanned"}}
		}}, fast, `Unreached key {"target_ipv4":"127.0.0.1"} is not one of the inject's 1 targets`},
		{"outcome of no target", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetStatus: map[framework.Target]framework.ExecutionStatus{
				{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.9"}}: framework.StatusFailed}}
		}}, fast, `TargetStatus key {"target_ipv4":"127.0.0.9"} is not one of the inject's 1 targets`},
		{"outcome of the target without its attribution", &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetStatus: map[framework.Target]framework.ExecutionStatus{{Config: in.Targets[0].Config}: framework.StatusFailed}}
		}}, fast, `TargetStatus key {"target_ipv4":"127.0.0.1"} is not one of the inject's 1 targets`},
		{"an outcome that is none", &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetStatus: map[framework.Target]framework.ExecutionStatus{in.Targets[0]: ""}}
		}}, fast, `TargetStatus[{"target_ipv4":"127.0.0.1","asset":"conformance-asset-1"}] is "", no outcome`},
		{"one target keyed twice, with different extras", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{
				live: {framework.Detection: {"port": 1}},
				{Config: &signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}: {framework.Detection: {"port": 2}}}}
		}}, fast, `TargetExtras keys name target {"target_ipv4":"127.0.0.1"} twice, with different extras`},
		{"invalid output", &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Status: "maybe"}
		}}, fast, `invalid output on a live inject: invalid status "maybe"`},
		{"manifest param that is no field", &probe{manifest: func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: "verbose", Type: framework.ParamBool, Default: "false"})
		}}, fast, `manifest param "verbose" is not a field of *frameworktest_test.probeParams`},
		{"field missing from the manifest", &probe{manifest: func(m *framework.Manifest) {
			m.Params = m.Params[:2]
		}}, fast, `field "wait" of *frameworktest_test.probeParams is missing from the manifest`},
		{"types disagree", &probe{manifest: func(m *framework.Manifest) {
			m.Params[2].Type = framework.ParamInt
		}}, fast, `param "wait": the manifest says int, *frameworktest_test.probeParams holds a duration`},
		{"types disagree on an int", &probe{manifest: func(m *framework.Manifest) {
			m.Params[0].Type = framework.ParamString
		}}, fast, `param "port": the manifest says string, *frameworktest_test.probeParams holds an int`},
		{"enums disagree", &probe{manifest: func(m *framework.Manifest) {
			m.Params[1].Enum = []string{"fast", "slow", "stealth"}
		}}, fast, `param "mode": the manifest's enum is [fast slow stealth], the field's [fast slow]`},
		{"range the field does not declare", &probe{manifest: func(m *framework.Manifest) {
			m.Params[0].Min, m.Params[0].Max = "1", "65535"
		}}, fast, `param "port": the manifest's range is from 1 to 65535, the field's none`},
		{"ranges disagree", &probe{manifest: func(m *framework.Manifest) {
			m.Params[0].Min, m.Params[0].Max = "1", "65535"
		}, newParams: func() any { return &rangedProbeParams{Port: 80, Mode: "fast"} }}, fast,
			`param "port": the manifest's range is from 1 to 65535, the field's from 1 to 1024`},
		{"required disagrees", &probe{manifest: func(m *framework.Manifest) {
			m.Params[0].Required = true
		}}, fast, `param "port": required is true in the manifest, false on the field`},
		{"defaults do not validate", &probe{newParams: func() any { return &probeParams{Mode: "fast"} }}, fast,
			`the default params do not validate: invalid params.port "0": out of range (the defaults are the values NewParams sets: make this one valid there)`},
		{"default outside the enum", &probe{newParams: func() any { return &probeParams{Port: 1, Mode: "medium"} }}, fast,
			`NewParams: params spec: field Mode: default "medium" is not one of fast, slow: set one of them in NewParams, or add it to the tag's enum=`},
		{"same params twice", &probe{newParams: func() any { return shared }}, fast,
			"NewParams returned the same pointer twice"},
		{"params not a pointer", &probe{newParams: func() any { return *defaultProbe() }}, fast,
			"NewParams returned frameworktest_test.probeParams; it must return a pointer to a struct"},
		{"params nil", &probe{newParams: func() any { return nil }}, fast, "NewParams returned nil"},
		{"params ParamsSpec rejects", &probe{newParams: func() any { return &struct{ F float64 }{} }}, fast,
			"unsupported type float64"},
		{"manifest panics", &probe{manifest: func(*framework.Manifest) { panic("bad tag") }}, fast,
			"Manifest panicked: bad tag"},
		{"manifest name with a space", &probe{manifest: func(m *framework.Manifest) { m.Name = "Port Check" }}, fast,
			`invalid injector name "Port Check"`},
		{"manifest name like a flag", &probe{manifest: func(m *framework.Manifest) { m.Name = "-x" }}, fast,
			`invalid injector name "-x"`},
		{"unknown category", &probe{manifest: func(m *framework.Manifest) { m.Category = "quantum" }}, fast,
			`category "quantum": not a category`},
		{"expectation type unknown", &probe{manifest: func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, "BOGUS"}
		}}, fast, `invalid probe.expectations "BOGUS": not an expectation type`},
		{"expectation type twice", &probe{manifest: func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, framework.Detection}
		}}, fast, `invalid probe.expectations "DETECTION": declared twice`},
		{"output field twice", &probe{manifest: func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "dup"}, {Type: "number", Field: "dup"}}
		}}, fast, `invalid probe.outputs "dup": declared twice (as text and as number)`},
		{"output named like the expectation signatures", &probe{manifest: func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "expectation_signatures"}}
		}}, fast, `invalid probe.outputs "expectation_signatures": reserved`},
		{"param twice", &probe{manifest: func(m *framework.Manifest) {
			m.Params = append(m.Params, m.Params[1])
		}}, fast, `invalid probe.params "mode": declared twice`},
		{"param without a name", &probe{manifest: func(m *framework.Manifest) {
			m.Params[0].Name = ""
		}}, fast, `invalid probe.params[0]: a param needs a name`},
		{"output without a field", &probe{manifest: func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text"}}
		}}, fast, `invalid probe.outputs[0]: an output needs a field`},
		{"setting without a key", &probe{manifest: func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Env: "PROBE_X"}}
		}}, fast, `invalid probe.settings[0]: a setting needs a key`},
		{"setting key twice", &probe{manifest: func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "k", Env: "PROBE_K"}, {Key: "k", Env: "PROBE_K2"}}
		}}, fast, `invalid probe.settings "k": declared twice`},
		{"setting named like a param", &probe{manifest: func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "mode", Env: "PROBE_MODE"}}
		}}, fast, `invalid probe.settings "mode": also the name of a param`},
		{"enum default outside its values", &probe{manifest: func(m *framework.Manifest) { m.Params[1].Default = "medium" }}, fast,
			`invalid probe.params.mode "medium": default is no value of the param (enum): not one of fast, slow`},
		{"live targets of another category", &probe{}, frameworktest.Options{Targets: []signatures.Config{
			signatures.ExternalConfig{Query: "apache"}}}, "target 0 is a external target; the manifest declares network"},
		{"live params rejected", &probe{}, frameworktest.Options{Params: map[string]any{"port": 0}},
			`the default params with Options.Params (port) do not validate: invalid params.port "0": out of range`},
		{"Close fails", &probe{closeErr: errors.New("leak")}, fast, "Close: leak"},
		{"Close panics", &probe{closeErr: errors.New("panic")}, fast, "Close panicked: leak"},
		{"ValidateTargets panics", &targetsPanic{}, fast, "ValidateTargets panicked: bad target"},
		{"ValidateTargets of a registered executor panics", &targetsPanic{}, frameworktest.Options{Name: "probe"},
			"injector probe: ValidateTargets panicked: bad target"},
	}
	expectFailures(t, tests)
}

// A failure is reported at the line of the test that called Conformance,
// not inside frameworktest: the test binary runs itself on a failing
// executor and its output is read.
func TestConformanceReportsAtTheCallersLine(t *testing.T) {
	if os.Getenv("FRAMEWORKTEST_FAILING_CHILD") == "1" {
		frameworktest.ConformanceWith(t, &probe{manifest: func(m *framework.Manifest) {
			m.Category = "quantum"
			m.Params[0].Type = framework.ParamString
		}}, fast)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformanceReportsAtTheCallersLine$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "FRAMEWORKTEST_FAILING_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the failing conformance run passed:\n%s", out)
	}
	for _, want := range []string{`category "quantum": not a category`, `param "port": the manifest says string`} {
		found := false
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, want) {
				found = true
				if !strings.Contains(l, "conformance_test.go:") {
					t.Errorf("failure reported at %q; want the caller's line in conformance_test.go", strings.TrimSpace(l))
				}
			}
		}
		if !found {
			t.Errorf("no failure %q in:\n%s", want, out)
		}
	}
}
