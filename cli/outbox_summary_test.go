package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/outbox"
)

// An outbox a long outage filled: list --summary counts its bodies by
// backend, list --limit N shows its first N records and how many it did
// not; neither reads the outbox whole.
func TestOutboxListSummaryAndLimit(t *testing.T) {
	const a, b = "http://127.0.0.1:1", "http://127.0.0.1:2"
	box := filepath.Join(t.TempDir(), "outbox.db")
	week := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	entry := func(id, base string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"x":1}`)}
	}
	recs := storeBodiesAt(t, box, week, entry("a-1", a), entry("b-1", b))
	storeBodiesAt(t, box, week.Add(time.Hour), entry("a-2", a), entry("a-3", a))
	withStore(t, box, func(s *outbox.Store) error { return s.MoveToDead(recs[1].ID, 1, 422, "no", "status 422") })
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	tests := []struct {
		name string
		args []string
		code int
		want []string
		not  []string
	}{
		{"summary", []string{"--summary"}, 0, []string{
			"outbox " + box + ": 3 pending, 1 dead, 28 B stored",
			"PENDING  DEAD  SIZE  OLDEST",
			"3        0     21 B  2026-11-29T08:00:00Z (",
			"0        1     7 B   2026-11-29T08:00:00Z (",
			" ago)  " + a + " (callback)\n", // the oldest first
			b + " (callback)\n",
		}, []string{"a-1", "ID  STATE"}},
		{"summary as JSON", []string{"--summary", "-o", "json"}, 0, []string{
			`"backends": [`, `"owner": "` + a + ` (callback)"`, `"base_url": "` + a + `"`, `"pending": 3`, `"oldest": "2026-11-29T08:00:00Z"`,
		}, []string{`"records"`}},
		{"limit", []string{"--limit", "2"}, 0, []string{
			"outbox " + box + ": 3 pending, 1 dead",
			"a-1", "a-2", // the first two: pending, then dead, each by id
			"2 more not shown (--limit 2; injectkit outbox list --summary counts them by backend)\n",
		}, []string{"a-3", "b-1"}},
		{"a limit past the records", []string{"--limit", "9"}, 0, []string{"a-1", "a-2", "a-3", "b-1"}, []string{"not shown"}},
		{"limit as JSON", []string{"--limit", "1", "-o", "json"}, 0, []string{`"not_shown": 3`, `"inject_id": "a-1"`}, []string{"a-2"}},
		{"a limit of 0", []string{"--limit", "0"}, 2, []string{`invalid limit "0" (--limit): must be at least 1 (leave it out to list every record)`}, nil},
		{"both", []string{"--summary", "--limit", "3"}, 2, []string{"summary (--summary) and limit (--limit): give one (the summary lists no record)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), env, append([]string{"outbox", "list"}, tt.args...)...)
			out := r.stdout + r.stderr
			if r.code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", r.code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("holds %q:\n%s", n, out)
				}
			}
		})
	}
	// No outbox yet: the summary is empty, its JSON as any other.
	none := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "no.db")}, "outbox", "list", "--summary", "-o", "json")
	var got struct {
		Backends []json.RawMessage `json:"backends"`
	}
	if err := json.Unmarshal([]byte(none.stdout), &got); err != nil || none.code != 0 || got.Backends == nil || len(got.Backends) != 0 {
		t.Errorf("summary of no outbox: exit %d, %v:\n%s%s", none.code, err, none.stdout, none.stderr)
	}
}
