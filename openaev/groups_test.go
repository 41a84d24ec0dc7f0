package openaev_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// Asset groups are paged once per distinct id; the Running trace names
// only the groups that gave a target, each once, and the trace and a WARN
// log say which gave none and why (no endpoints on the platform, which is
// also how the platform answers a group it does not know, or none usable).
// When none gives a target, the refusal names them.
func TestProcessAssetGroupsThatGiveNoTarget(t *testing.T) {
	servers := map[string]any{"asset_group_id": "g-ok", "asset_group_name": "Servers"}
	empty := map[string]any{"asset_group_id": "g-empty", "asset_group_name": "Empty"}
	unknown := map[string]any{"asset_group_id": "g-unknown", "asset_group_name": "NotOnPlatform"}
	skipped := map[string]any{"asset_group_id": "g-skip", "asset_group_name": "AllSkipped"}
	tests := []struct {
		name       string
		groups     []map[string]any
		wantNamed  []string // the groups of the Running trace
		wantBarren []string // the groups said to give no target
	}{
		{"a group twice, empty, unknown and unusable groups", []map[string]any{servers, empty, servers, unknown, skipped},
			[]string{"Servers"}, []string{"g-empty (Empty)", "g-unknown (NotOnPlatform)", "g-skip (AllSkipped)"}},
		{"no group gives a target", []map[string]any{empty, unknown, empty},
			nil, []string{"g-empty (Empty)", "g-unknown (NotOnPlatform)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.platform.SetAssetGroup("g-ok", asset("asset", "a1", "", "192.0.2.1", nil, "ag1"))
			e.platform.SetAssetGroup("g-empty")
			e.platform.SetAssetGroup("g-skip", asset("asset", "k1", "", "127.0.0.1", nil, "agk1"))
			body := e.message(t, "inj-g", "noop", map[string]any{"target_selector": "asset-groups"}, nil, tt.groups)
			err := e.proc.Process(context.Background(), body)

			distinct := map[string]bool{}
			for _, g := range tt.groups {
				distinct[g["asset_group_id"].(string)] = true
			}
			if n := len(e.platform.TargetQueries()); n != len(distinct) {
				t.Errorf("%d asset-group pages asked for %d distinct groups (one page each)", n, len(distinct))
			}
			if tt.wantNamed == nil {
				var me *openaev.MessageError
				if !errors.As(err, &me) {
					t.Fatalf("err = %v, want the inject refused", err)
				}
				for _, g := range tt.wantBarren {
					if !strings.Contains(me.Reason, "asset group "+g+" has no endpoints on the platform") {
						t.Errorf("refusal %q does not say group %s has no endpoints", me.Reason, g)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			trace, _ := e.platform.Calls("inj-g")[1].Body["execution_message"].(string)
			_, named, ok := strings.Cut(trace, "(asset groups ")
			named, _, _ = strings.Cut(named, ")")
			if !ok || !slices.Equal(strings.Split(named, ", "), tt.wantNamed) {
				t.Errorf("trace %q names asset groups %q, want %q", trace, named, tt.wantNamed)
			}
			var warned []string
			for _, l := range e.logs.FilterMessage("asset groups gave no target").All() {
				gs, _ := l.ContextMap()["groups"].([]any)
				var lines []string
				for _, g := range gs {
					lines = append(lines, g.(string))
				}
				warned = append(warned, strings.Join(lines, "\n"))
			}
			for _, g := range tt.wantBarren {
				if !strings.Contains(trace, "asset group "+g) {
					t.Errorf("trace %q does not name group %s, which gave no target", trace, g)
				}
				if len(warned) != 1 || !strings.Contains(warned[0], "asset group "+g) {
					t.Errorf("WARN logs %q do not name group %s once", warned, g)
				}
			}
		})
	}
}
