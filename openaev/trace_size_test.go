package openaev_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// The trace saying what runs on which targets stays under the max payload
// size whatever the targets' names: as many as fit are listed, then "and
// N more", the listed and the others adding up to the targets run.
func TestTraceUnderMaxPayloadSize(t *testing.T) {
	long := func(i int) string { // a 253-character host name
		label := strings.Repeat("a", 62)
		return fmt.Sprintf("h%03d.%s.%s.%s.%s", i, label, label, label, strings.Repeat("b", 59))
	}
	for _, tc := range []struct {
		name       string
		limit      int64
		assets     int
		selector   string
		wantListed bool // at least one name listed
	}{
		{"30 long names, 4096 bytes", 4096, 30, "assets", true},
		{"30 long names, 1024 bytes", openaev.MinMaxPayloadSize, 30, "assets", true},
		{"30 long names, default limit", openaev.DefaultMaxPayloadSize, 30, "assets", true},
		{"3 long names, 1024 bytes", openaev.MinMaxPayloadSize, 3, "assets", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.profile = openaev.NewProfile(e.client, testManifests(), e.log, openaev.WithMaxPayloadSize(tc.limit))
			e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log), e.profile)
			var assets []map[string]any
			for i := range tc.assets {
				a := asset("asset", "a"+strconv.Itoa(i), long(i), "", nil)
				if len(long(i)) != 253 {
					t.Fatalf("host name of %d characters", len(long(i)))
				}
				assets = append(assets, a)
			}
			body := e.message(t, "inj-long", "noop", map[string]any{"target_selector": tc.selector}, assets, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			var msg string
			for _, c := range e.platform.Calls("inj-long") {
				if int64(len(c.Raw)) > tc.limit {
					t.Errorf("%s of %d bytes, over the limit of %d", c.Kind, len(c.Raw), tc.limit)
				}
				if m, _ := c.Body["execution_message"].(string); msg == "" && strings.HasPrefix(m, "Running noop") {
					msg = m
				}
			}
			head := fmt.Sprintf("Running noop on %d targets: ", tc.assets)
			if tc.assets == 1 {
				head = "Running noop on 1 target: "
			}
			if !strings.HasPrefix(msg, head) {
				t.Fatalf("trace %q, want it to start %q", msg, head)
			}
			list := strings.TrimPrefix(msg, head)
			listed, more := 0, 0
			if m := regexp.MustCompile(` and (\d+) more$`).FindStringSubmatch(list); m != nil {
				more, _ = strconv.Atoi(m[1])
				list = strings.TrimSuffix(list, m[0])
			}
			for i := range tc.assets {
				if strings.Contains(list, long(i)) {
					listed++
				}
			}
			if listed+more != tc.assets || (tc.wantListed && listed == 0) {
				t.Errorf("trace lists %d names and %d more, want %d in all, at least one listed: %q", listed, more, tc.assets, msg)
			}
		})
	}
}
