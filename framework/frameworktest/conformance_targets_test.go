package frameworktest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// TestConformanceTargetExtrasMatchedAsTheRuntimeMatchesThem: per-target
// extras keyed by a live target in another form (a pointer configuration
// where the target holds a value, or the reverse, with the target's
// attribution) name it, as the runtime reads them
// (framework.Target.ExtrasKey): Conformance reports nothing.
func TestConformanceTargetExtrasMatchedAsTheRuntimeMatchesThem(t *testing.T) {
	value := signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}
	ptr := func() *signatures.NetworkConfig { c := value; return &c }
	tests := []struct {
		name        string
		target, key signatures.Config
	}{
		{"a pointer target, a value key", ptr(), value},
		{"a value target, a pointer key", value, ptr()},
		{"a pointer target, another pointer to its value", ptr(), ptr()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				te := map[framework.Target]framework.TypeExtras{}
				for _, tg := range in.Targets {
					te[framework.Target{Config: tt.key, Attribution: tg.Attribution}] = framework.TypeExtras{framework.Detection: {"port": 1}}
				}
				return framework.ToolOutput{TargetExtras: te}
			}}
			o := fast
			o.Targets = []signatures.Config{tt.target}
			if msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, o) }); len(msgs) != 0 {
				t.Errorf("Conformance reported %q", msgs)
			}
		})
	}
}

// TestConformanceReportsExtrasKeyedWithoutAttribution: TargetExtras keyed
// by a target's configuration alone, its attribution dropped
// (framework.Target{Config: nc}), name no target of the platform, whose
// targets are attributed to assets or agents: the runtime sends none of
// the run's per-target extras there. The live inject's targets are
// attributed, so Conformance reports such a key, by default and with
// targets given.
func TestConformanceReportsExtrasKeyedWithoutAttribution(t *testing.T) {
	keyByConfig := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		te := map[framework.Target]framework.TypeExtras{}
		for _, tg := range in.Targets {
			nc, _ := tg.Network()
			te[framework.Target{Config: nc}] = framework.TypeExtras{framework.Detection: {"command_line": "x"}}
		}
		return framework.ToolOutput{TargetExtras: te}
	}}
	two := fast
	two.Targets = []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.NetworkConfig{TargetIPv4: "127.0.0.2"}}
	for name, o := range map[string]frameworktest.Options{"default targets": fast, "two targets": two} {
		t.Run(name, func(t *testing.T) {
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, keyByConfig, o) })
			if !slices.ContainsFunc(msgs, func(m string) bool {
				return strings.Contains(m, `TargetExtras key {"target_ipv4":"127.0.0.1"} is not one of the inject's`) &&
					strings.Contains(m, `"asset":"conformance-asset-1"`)
			}) {
				t.Errorf("Conformance reported %q; want the key without attribution", msgs)
			}
		})
	}
}

// TestConformanceLiveTargets: without Options.Targets, the live inject holds
// one valid target of the manifest's category.
func TestConformanceLiveTargets(t *testing.T) {
	tests := []struct {
		category framework.Category
		want     signatures.Config
	}{
		{"", signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}},
		{framework.Network, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}},
		{framework.Cloud, signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1"}},
		{framework.External, signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"}},
	}
	for _, tt := range tests {
		ex := &frameworktest.Executor{Category: tt.category}
		if msgs := check(t, func(tb testing.TB) { frameworktest.Conformance(tb, ex) }); len(msgs) != 0 {
			t.Fatalf("%q: Conformance reported %q", tt.category, msgs)
		}
		var live *framework.Inject
		for _, in := range ex.Calls() {
			if len(in.Targets) > 0 {
				live = in // the last inject with targets: the live one
			}
		}
		if live == nil || len(live.Targets) != 1 || live.Targets[0].Config != tt.want || live.Category != tt.want.Category() {
			t.Errorf("%q: live inject %+v, want one target %+v", tt.category, live, tt.want)
		}
	}
}

// TestConformanceMatchesExtrasToTheTargetsHanded: an executor that writes
// to in.Targets during Execute (a configuration replaced, or changed
// through its pointer) and keys TargetExtras by what it wrote names no
// target of the runtime, which took the targets' keys before Execute:
// Conformance reports it. Keyed by the pointer handed, the target is
// named whatever was written there, as the runtime reads it.
func TestConformanceMatchesExtrasToTheTargetsHanded(t *testing.T) {
	extras := framework.TypeExtras{framework.Detection: {"port": 1}}
	tests := []struct {
		name    string
		target  signatures.Config
		rewrite func(tg *framework.Target) framework.Target
		want    string
	}{
		{"a value replaced, keyed by the new one", signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
			func(tg *framework.Target) framework.Target {
				tg.Config = signatures.NetworkConfig{TargetIPv4: "127.0.0.2"}
				return *tg
			}, `TargetExtras key {"target_ipv4":"127.0.0.2","asset"`},
		{"a pointer's value changed, keyed by its value", &signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
			func(tg *framework.Target) framework.Target {
				// Each run of Conformance's is handed a copy of this
				// pointer's value: each changes its own.
				nc := tg.Config.(*signatures.NetworkConfig)
				nc.TargetIPv4 += "0"
				return framework.Target{Config: *nc, Attribution: tg.Attribution}
			}, `is not one of the inject's`},
		{"a pointer's value changed, keyed by the pointer", &signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
			func(tg *framework.Target) framework.Target {
				tg.Config.(*signatures.NetworkConfig).TargetIPv4 = "127.0.0.2"
				return *tg
			}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				te := map[framework.Target]framework.TypeExtras{}
				for i := range in.Targets {
					te[tt.rewrite(&in.Targets[i])] = extras
				}
				return framework.ToolOutput{TargetExtras: te}
			}}
			o := fast
			o.Targets = []signatures.Config{tt.target}
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, o) })
			reported := slices.ContainsFunc(msgs, func(m string) bool { return tt.want != "" && strings.Contains(m, tt.want) })
			if (tt.want != "") != reported || (tt.want == "" && len(msgs) != 0) {
				t.Errorf("Conformance reported %q; want %q", msgs, tt.want)
			}
		})
	}
}

// readingProbe is a probe that says, through ReadsTargetsOnly, whether it
// only reads its targets.
type readingProbe struct {
	*probe
	reads bool
}

func (p readingProbe) ReadsTargetsOnly() bool { return p.reads }

// TestConformanceReportsAReaderThatWrites: an executor whose
// ReadsTargetsOnly reports true is handed the runtime's own targets, so
// Conformance reports one whose Execute changes them (a configuration,
// given as a value or through a pointer; an attribution), and nothing of
// one that says it may write there, or that only reads them.
func TestConformanceReportsAReaderThatWrites(t *testing.T) {
	ptr := fast
	ptr.Targets = []signatures.Config{&signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}
	ptrAgain := fast
	ptrAgain.Targets = []signatures.Config{&signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}
	tests := []struct {
		name   string
		o      frameworktest.Options
		reads  bool
		change func(in *framework.Inject)
		want   string // "" for no report
	}{
		{"a configuration", fast, true, func(in *framework.Inject) {
			in.Targets[0].Config = signatures.NetworkConfig{TargetIPv4: "127.0.0.2"}
		}, "ReadsTargetsOnly reports true, but Execute changed target 0"},
		{"through a pointer", ptr, true, func(in *framework.Inject) {
			// Each Execute of Conformance is handed its own copy of
			// the pointer's value.
			c := in.Targets[0].Config.(*signatures.NetworkConfig)
			c.TargetIPv4 += "0"
		}, "ReadsTargetsOnly reports true, but Execute changed target 0"},
		{"through a pointer, the same value each time", ptrAgain, true, func(in *framework.Inject) {
			// Each Execute is handed a pointer of its own: an earlier
			// run's write does not hide the live run's.
			in.Targets[0].Config.(*signatures.NetworkConfig).TargetIPv4 = "127.0.0.2"
		}, "ReadsTargetsOnly reports true, but Execute changed target 0"},
		{"an attribution", fast, true, func(in *framework.Inject) { in.Targets[0].Attribution.Asset = "other" },
			"ReadsTargetsOnly reports true, but Execute changed target 0"},
		{"says it may write", fast, false, func(in *framework.Inject) {
			in.Targets[0].Config = signatures.NetworkConfig{TargetIPv4: "127.0.0.2"}
		}, ""},
		{"only reads", fast, true, func(*framework.Inject) {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := readingProbe{&probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
				if len(in.Targets) > 0 {
					tt.change(in)
				}
				return framework.ToolOutput{}
			}}, tt.reads}
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, tt.o) })
			got := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "ReadsTargetsOnly") })
			switch {
			case tt.want == "" && len(msgs) != 0:
				t.Errorf("Conformance reported %q", msgs)
			case tt.want != "" && !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.want) }):
				t.Errorf("Conformance reported %q (about ReadsTargetsOnly: %v); want %q", msgs, got, tt.want)
			}
		})
	}
}

// TestConformanceLeavesTheCallersTargets: each inject of Conformance is
// handed copies of the pointer configurations Options.Targets gives, so
// that what one Execute writes there reaches neither the next inject nor
// the caller's own targets.
func TestConformanceLeavesTheCallersTargets(t *testing.T) {
	given := &signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}
	var seen []string
	ex := &probe{exec: func(_ context.Context, in *framework.Inject) framework.ToolOutput {
		c := in.Targets[0].Config.(*signatures.NetworkConfig)
		seen = append(seen, c.TargetIPv4)
		c.TargetIPv4 = "127.0.0.2"
		return framework.ToolOutput{}
	}}
	o := fast
	o.Targets = []signatures.Config{given}
	check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, o) })
	if given.TargetIPv4 != "127.0.0.1" {
		t.Errorf("the caller's target became %q; want it untouched", given.TargetIPv4)
	}
	for i, v := range seen {
		if v != "127.0.0.1" {
			t.Errorf("Execute %d was handed %q; want 127.0.0.1, as given", i+1, v)
		}
	}
	if len(seen) == 0 {
		t.Error("Execute was never called")
	}
}
