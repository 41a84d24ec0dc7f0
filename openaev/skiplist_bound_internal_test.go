package openaev

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// logLineBound is the most bytes a reason or a log field listing what an
// inject skipped may take, whatever the number of items: log pipelines
// cut or drop longer lines (journald's LineMax 48K, Docker's 16K).
const logLineBound = 4096

// A message of 10 000 assets none of which is usable (all loopback), or
// of 10 000 asset groups none of which gave a target, is refused with a
// reason that names the first few and counts the rest: serve logs that
// reason in one WARN line, which stayed under a few KiB instead of
// growing with the message (1 MiB of assets: a 225 KB line).
func TestNoTargetsReasonIsBounded(t *testing.T) {
	const n = 10000
	for _, tt := range []struct {
		name     string
		selector string
		fill     func(m *Message) targetPager
		external bool
	}{
		{name: "skipped assets", selector: SelectorAssets, fill: func(m *Message) targetPager {
			for i := range n {
				m.Assets = append(m.Assets, Asset{ID: fmt.Sprintf("asset-%05d", i), IPs: []string{fmt.Sprintf("127.0.%d.%d", i/256, i%256)}})
			}
			return nil
		}},
		{name: "barren asset groups", selector: SelectorAssetGroups, fill: func(m *Message) targetPager {
			for i := range n {
				m.AssetGroups = append(m.AssetGroups, AssetGroup{ID: fmt.Sprintf("group-%05d", i)})
			}
			return groupPager{}
		}},
		{name: "query: IPv6 assets", selector: SelectorAssets, external: true, fill: func(m *Message) targetPager {
			for i := range n {
				m.Assets = append(m.Assets, Asset{ID: fmt.Sprintf("asset-%05d", i), IPs: []string{fmt.Sprintf("2001:db8::%x", i+1)}})
			}
			return nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			content := map[string]json.RawMessage{
				KeyTargetSelector:         json.RawMessage(`"` + tt.selector + `"`),
				KeyTargetPropertySelector: json.RawMessage(`"` + PropertyAutomatic + `"`),
				KeyQuery:                  json.RawMessage(`"port:22"`),
			}
			m := &Message{Injection: Injection{InjectID: "i", Content: content}}
			pager := tt.fill(m)
			var err error
			if tt.external {
				_, err = externalTargets(context.Background(), m, pager, nil, DefaultMaxTargets, "")
			} else {
				_, err = resolveTargets(context.Background(), m, pager, nil, DefaultMaxTargets, "")
			}
			if err == nil {
				t.Fatal("no error, want the inject refused for having no target")
			}
			msg := err.Error()
			if len(msg) > logLineBound {
				t.Errorf("reason is %d bytes, want at most %d: %.300s…", len(msg), logLineBound, msg)
			}
			if !strings.Contains(msg, fmt.Sprintf("and %d more", n-skipListMax)) {
				t.Errorf("reason %.600s… does not say %d more", msg, n-skipListMax)
			}
			if !strings.Contains(msg, "00000") {
				t.Errorf("reason %.300s… does not name the first item", msg)
			}
		})
	}
}
