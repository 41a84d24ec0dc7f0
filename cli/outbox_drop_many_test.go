package cli_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// storeBodiesAt stores entries in the outbox at box as stored at at, by
// a Put each, and returns their records.
func storeBodiesAt(t *testing.T, box string, at time.Time, entries ...outbox.Entry) []outbox.Record {
	t.Helper()
	s, err := outbox.Open(box, outbox.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var recs []outbox.Record
	for _, e := range entries {
		got, err := s.Put(e)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, got...)
	}
	return recs
}

// A week of refusals: drop --from drops every body of a backend,
// --before every body stored before a time, both together those of the
// backend stored before it, in one command; a selection the operator may
// not have meant drops nothing and exits 2 naming the flag.
func TestOutboxDropMany(t *testing.T) {
	const old, kept = "http://127.0.0.1:1", "http://127.0.0.1:2"
	now := time.Now()
	week, day := now.Add(-7*24*time.Hour), now.Add(-24*time.Hour)
	before := now.Add(-3 * 24 * time.Hour).UTC().Format(time.RFC3339)
	date := now.Add(-3 * 24 * time.Hour).UTC().Format(time.DateOnly) // midnight UTC: after week, before day
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		say  string
		left []string // the inject ids left, sorted
	}{
		{"every body of a backend", []string{"--from", old}, nil, 0,
			"dropped 2 signature bodies stored for " + old + " (1 pending, 1 dead, ", []string{"new-1", "new-2", "old-3"}},
		{"its URL with a trailing slash", []string{"--from", old + "/"}, nil, 0,
			"dropped 2 signature bodies stored for " + old + " (", []string{"new-1", "new-2", "old-3"}},
		{"every body stored before a time", []string{"--before", before}, nil, 0,
			"dropped 4 signature bodies stored before " + before + " (3 pending, 1 dead, ", []string{"new-1"}},
		{"a date", []string{"--before", date}, nil, 0,
			"dropped 4 signature bodies stored before " + date + "T00:00:00Z", []string{"new-1"}},
		{"a backend's bodies stored before a time", []string{"--from", kept, "--before", before}, nil, 0,
			"dropped 2 signature bodies stored for " + kept + ", stored before " + before + " (2 pending, 0 dead, ", []string{"new-1", "old-1", "old-2"}},
		{"a body a live process sends", []string{"--from", kept, "busy"}, nil, 0,
			"dropped 2 signature bodies stored for " + kept + " (2 pending, 0 dead, 14 B): never sent; 1 signature body left: being sent by a live process (pid ", []string{"new-2", "old-1", "old-2"}},
		{"an id too", []string{"7", "--from", old}, nil, 2,
			`outbox drop takes an id or a selection (--from, --before), not both: got "7" and from "` + old + `" (--from) (drop that one id`, nil},
		{"an id and the environment's", []string{"7"}, map[string]string{"INJECTKIT_BEFORE": before}, 2,
			`not both: got "7" and before "` + before + `" (env INJECTKIT_BEFORE)`, nil},
		{"a time in the future", []string{"--before", now.Add(48 * time.Hour).Format(time.DateOnly)}, nil, 2,
			"(--before): in the future, so every body would be dropped", nil},
		{"a time unread", []string{"--before", "last week"}, nil, 2, `invalid before "last week" (--before): not a date`, nil},
		{"a blank time", []string{"--before", ""}, nil, 2, `invalid before "" (--before): must not be blank`, nil},
		{"a URL not one", []string{"--from", "ftp://h"}, nil, 2, `invalid from "ftp://h" (--from)`, nil},
		{"a URL the outbox holds nothing for", []string{"--from", "http://127.0.0.1:3"}, nil, 2,
			`nothing dropped: outbox BOX holds no body stored for from "http://127.0.0.1:3" (--from); it holds bodies for: ` + old + ", " + kept, nil},
		// move's INJECTKIT_FROM, or a config file's from, never drops by
		// itself: a bulk drop is asked for with a flag.
		{"the environment's from alone", nil, map[string]string{"INJECTKIT_FROM": old}, 2,
			"outbox drop without an id drops every body selected, so it takes its selection as a flag (--from, --before): env INJECTKIT_FROM alone selects nothing", nil},
		{"the environment's from and before alone", nil, map[string]string{"INJECTKIT_FROM": old, "INJECTKIT_BEFORE": before}, 2,
			"env INJECTKIT_FROM and env INJECTKIT_BEFORE alone selects nothing", nil},
		{"the environment's from with --before", []string{"--before", before}, map[string]string{"INJECTKIT_FROM": kept}, 0,
			"dropped 2 signature bodies stored for " + kept + ", stored before " + before, []string{"new-1", "old-1", "old-2"}},
		// flush's backend is not drop's: the environment a flush was
		// given never turns a drop into one of every body.
		{"the backend of the environment", nil, map[string]string{"INJECTKIT_BACKEND_URL": old}, 2, "want one outbox id", nil},
	}
	all := []string{"new-1", "new-2", "old-1", "old-2", "old-3"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			entry := func(id, base string) outbox.Entry {
				return outbox.Entry{InjectID: id, Phase: "p", TotalChunks: 1, BaseURL: base, Body: []byte(`{"x":1}`)}
			}
			olds := storeBodiesAt(t, box, week, entry("old-1", old), entry("old-2", old), entry("old-3", kept))
			storeBodiesAt(t, box, day, entry("new-1", kept))
			storeBodiesAt(t, box, week.Add(time.Hour), entry("new-2", kept))
			withStore(t, box, func(s *outbox.Store) error { return s.MoveToDead(olds[1].ID, 1, 422, "no", "status 422") })
			args := tt.args
			if i := slices.Index(args, "busy"); i >= 0 {
				args = slices.Delete(slices.Clone(args), i, i+1)
				sendingFromLiveProcess(t, box, "new-2")
			}
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, registry(), env, append([]string{"outbox", "drop"}, args...)...)
			say := strings.ReplaceAll(tt.say, "BOX", box)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, say) {
				t.Errorf("drop %q: exit %d, want %d saying %q:\n%s%s", tt.args, r.code, tt.code, say, r.stdout, r.stderr)
			}
			want := tt.left
			if tt.code != 0 {
				want = all // refused: nothing dropped
			}
			var left []string
			for _, rec := range listOutbox(t, map[string]string{"INJECTKIT_OUTBOX": box}).Records {
				left = append(left, rec.InjectID)
			}
			slices.Sort(left)
			if !slices.Equal(left, want) {
				t.Errorf("drop %q left %v, want %v", tt.args, left, want)
			}
		})
	}
}

// sendingFromLiveProcess makes the pending body of injectID in the outbox
// at box one a live process (a sleep, killed when the test ends) is
// posting, as its claim records it.
func sendingFromLiveProcess(t *testing.T, box, injectID string) {
	t.Helper()
	live := exec.Command("sleep", "60")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Process.Kill(); _ = live.Wait() })
	outboxtest.Update(t, box, func(tx *bolt.Tx) error {
		return outboxtest.EditAll(tx.Bucket([]byte("pending")), func(v []byte) ([]byte, error) {
			var r map[string]any
			if err := json.Unmarshal(v, &r); err != nil || r["inject_id"] != injectID {
				return v, err
			}
			delete(r, "owner_start") // unknown: the pid alone decides
			r["owner"], r["owner_format"], r["lease_until"] = live.Process.Pid, 2, time.Now().Add(time.Hour)
			return json.Marshal(r)
		})
	})
}
