package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/openaev"
)

// nmapTargets is the fake nmap with the real one's target checks.
type nmapTargets struct{ *fakeNmap }

func (nmapTargets) ValidateTargets(targets []framework.Target) error {
	return nmap.New().ValidateTargets(targets)
}

// TestManualTargetRejectionsNameTheContentField: a manual target refused
// by the injector (a host name nmap reads as an address) and one refused
// by the profile (a range past max_targets) name the same field, inject_content.targets,
// and the item refused, in the terminal callback and in Process's error.
func TestManualTargetRejectionsNameTheContentField(t *testing.T) {
	tests := []struct{ name, targets, item string }{
		{"by the injector", "127.0.0.1,0x7f000001", "0x7f000001"},
		{"by the profile", "127.0.0.1,10.0.0.0/8", "10.0.0.0/8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.registry = framework.NewRegistry()
			e.registry.Register("nmap", func() framework.Executor { return nmapTargets{e.nmap} })
			e.build(testManifests())
			e.register(t)
			body := e.message(t, "inj-m", "nmap", map[string]any{"target_selector": "manual", "targets": tt.targets}, nil, nil)
			err := e.proc.Process(context.Background(), body)
			want := `invalid inject_content.targets "` + tt.item + `"`
			var me *openaev.MessageError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
				t.Errorf("Process = %v, want a *MessageError saying %s", err, want)
			}
			c, ok := e.platform.Terminal("inj-m")
			if msg, _ := c.Body["execution_message"].(string); !ok || !strings.Contains(msg, want) {
				t.Errorf("terminal %v, want a message saying %s", c.Body, want)
			}
			if e.nmap.calls.Load() != 0 {
				t.Error("nmap ran")
			}
		})
	}
}

// TestProcessMaxTargets checks the outside tester's memory growth (t50):
// a manual-targets message of 1.5 million hosts ran them all (1.08 GB
// for one run, 1.86 GB for two in serve), --max-targets counting only
// CIDR expansion. A message giving more targets than the processor's
// MaxTargets (manual targets, assets, the endpoints of its asset groups)
// is refused, counted before its targets are made, with its reception
// and an INVALID_USAGE naming the count and the limit; nothing runs. At
// the limit it runs; unset, the limit is DefaultMaxTargets.
func TestProcessMaxTargets(t *testing.T) {
	hosts := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf("h%d", i)
		}
		return strings.Join(items, ",")
	}
	assets := func(n int) []map[string]any {
		var out []map[string]any
		for i := range n {
			out = append(out, asset("asset", fmt.Sprintf("a%d", i), "", fmt.Sprintf("192.0.2.%d", i+1), nil))
		}
		return out
	}
	groups := []map[string]any{{"asset_group_id": "g1", "asset_group_name": "One"}, {"asset_group_id": "g2", "asset_group_name": "Two"}}
	tests := []struct {
		name    string
		max     int // the processor's MaxTargets
		content map[string]any
		assets  []map[string]any
		groups  []map[string]any
		want    string // in the INVALID_USAGE; "" runs
	}{
		{"manual, one past the limit", 3, map[string]any{"target_selector": "manual", "targets": "h0, h1,,h2 ,h3"}, nil, nil,
			"invalid inject_content.targets: 4 targets, more than max_targets (3)"},
		{"manual, at the limit", 3, map[string]any{"target_selector": "manual", "targets": "h0,h1,h2"}, nil, nil, ""},
		{"manual, a range past the limit", 3, map[string]any{"target_selector": "manual", "targets": "127.0.0.0/30"}, nil, nil,
			`invalid inject_content.targets "127.0.0.0/30": a range of 4 addresses, more than max_targets (3)`},
		{"manual, a range at the limit", 4, map[string]any{"target_selector": "manual", "targets": "127.0.0.0/30"}, nil, nil, ""},
		{"manual, a /8 past the default", 0, map[string]any{"target_selector": "manual", "targets": "127.0.0.0/8"}, nil, nil,
			`invalid inject_content.targets "127.0.0.0/8": a range of 16777216 addresses, more than max_targets (65536)`},
		{"manual, repeats counted", 3, map[string]any{"target_selector": "manual", "targets": "h0,h0,h0,h0"}, nil, nil,
			"4 targets, more than max_targets (3)"},
		{"assets, one past the limit", 3, map[string]any{"target_selector": "assets"}, assets(4), nil,
			"invalid assets: 4 targets, more than max_targets (3)"},
		{"assets, at the limit", 3, map[string]any{"target_selector": "assets"}, assets(3), nil, ""},
		{"asset groups, past the limit in all", 3, map[string]any{"target_selector": "asset-groups"}, nil, groups,
			"invalid assetGroups: at least 4 targets, more than max_targets (3)"},
		{"default: 65537 manual targets", 0, map[string]any{"target_selector": "manual", "targets": hosts(openaev.DefaultMaxTargets + 1)}, nil, nil,
			fmt.Sprintf("%d targets, more than max_targets (%d)", openaev.DefaultMaxTargets+1, openaev.DefaultMaxTargets)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.proc.MaxTargets = tt.max
			e.platform.SetAssetGroup("g1", assets(2)...)
			e.platform.SetAssetGroup("g2", asset("asset", "b1", "", "198.51.100.1", nil), asset("asset", "b2", "", "198.51.100.2", nil))
			body := e.message(t, "inj-max", "noop", tt.content, tt.assets, tt.groups)
			err := e.proc.Process(context.Background(), body)
			term, ok := e.platform.Terminal("inj-max")
			if tt.want == "" {
				if err != nil || !ok || term.Body["execution_status"] != "SUCCESS" {
					t.Fatalf("err %v, terminal %v: want SUCCESS", err, term.Body)
				}
				return
			}
			var me *openaev.MessageError
			if !errors.As(err, &me) || me.InjectID != "inj-max" || !strings.Contains(me.Reason, tt.want) {
				t.Errorf("err = %v, want a MessageError of inj-max saying %q", err, tt.want)
			}
			msg := fmt.Sprint(term.Body["execution_message"])
			if !ok || term.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(msg, tt.want) {
				t.Errorf("terminal %v %q, want INVALID_USAGE saying %q", term.Body["execution_status"], msg, tt.want)
			}
		})
	}
}

// A group larger than the limit is paged only until the limit is passed:
// the platform is not asked for the rest of its endpoints.
func TestProcessMaxTargetsStopsPagingAGroup(t *testing.T) {
	e := newEnv(t)
	e.proc.MaxTargets = openaev.TargetsPageSize + 5
	var big []map[string]any
	for i := range 10 * openaev.TargetsPageSize {
		big = append(big, asset("asset", fmt.Sprintf("a%d", i), "", fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), nil))
	}
	e.platform.SetAssetGroup("big", big...)
	body := e.message(t, "inj-big", "noop", map[string]any{"target_selector": "asset-groups"}, nil,
		[]map[string]any{{"asset_group_id": "big", "asset_group_name": "Big"}})
	err := e.proc.Process(context.Background(), body)
	want := fmt.Sprintf("at least %d targets, more than max_targets (%d)", 2*openaev.TargetsPageSize, e.proc.MaxTargets)
	var me *openaev.MessageError
	if !errors.As(err, &me) || !strings.Contains(me.Reason, want) {
		t.Errorf("err = %v, want a MessageError saying %q", err, want)
	}
	if n := len(e.platform.TargetQueries()); n != 2 {
		t.Errorf("%d pages of the group asked for, want 2: the paging stops once the limit is passed", n)
	}
}
