package signatures

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// TestPayloadTargetsMatchesBuildPayload checks that the streaming sequence
// yields, target by target, exactly what BuildPayload materialises, even
// though it reuses its buffers between targets.
func TestPayloadTargetsMatchesBuildPayload(t *testing.T) {
	post := make([]Signature, 5)
	metas := make([]Attribution, 5)
	perTarget := make([]TypeExtras, 5)
	for i := range post {
		post[i] = Signature{SourceIPv4: "172.17.0.2", TargetIPv4: fmt.Sprintf("10.0.0.%d", i+1),
			StartTime: "2026-11-27T10:00:00Z", EndTime: "2026-11-27T10:00:05Z", ExecutionStatus: StatusSuccess,
			Extra: map[string]any{"tool": "x"}}
		metas[i] = Attribution{Asset: fmt.Sprintf("asset-%d", i)}
		if i%2 == 0 {
			perTarget[i] = TypeExtras{Detection: {"ports_discovered": []int{22, i}}}
		}
	}
	types := []ExpectationType{Detection, Prevention, Vulnerability}
	extras := TypeExtras{Vulnerability: {"cves": []string{"CVE-2021-44228"}}}
	for _, tc := range []struct {
		name      string
		metas     []Attribution
		perTarget []TypeExtras
	}{
		{"per-target metadata and extras", metas, perTarget},
		{"one metadata for all, no target extras", metas[:1], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := BuildPayload(post, tc.metas, types, extras, tc.perTarget...)
			if err != nil {
				t.Fatal(err)
			}
			seq, err := PayloadTargets(post, tc.metas, types, extras, tc.perTarget...)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for i, got := range seq {
				// Encode at once, as a consumer must: the next target reuses the buffers.
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want.Targets[i])
				if string(g) != string(w) {
					t.Errorf("target %d:\n got %s\nwant %s", i, g, w)
				}
				n++
			}
			if n != len(post) {
				t.Errorf("yielded %d targets, want %d", n, len(post))
			}
		})
	}
	if _, err := PayloadTargets(post, metas[:2], types, nil); err == nil {
		t.Error("PayloadTargets accepted 2 metadata entries for 5 signatures")
	}
	if !reflect.DeepEqual(post[0].Extra, map[string]any{"tool": "x"}) {
		t.Error("streaming modified the signatures")
	}
}
