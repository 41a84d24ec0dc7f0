package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// A run an earlier version recorded with the number of a pending body is
// listed and dropped as run-N: `drop 1` names the body alone, `drop run-1`
// the run, and list -o json gives no two entries one id.
func TestDropOfARunNumberedLikeABody(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.Put(outbox.Entry{InjectID: "inj-C3", Phase: "execution_complete", BaseURL: "http://127.0.0.1:9", Body: []byte(`{"c":3}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	body := recs[0].ID
	earlierStart(t, box, "S1", body)
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	runID := "run-" + strconv.FormatUint(body, 10)

	r := run(t, registry(), env, "outbox", "list")
	if want := "forget it with: injectkit outbox drop " + runID + ")"; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("list: exit %d, want %q:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	r = run(t, registry(), env, "outbox", "list", "-o", "json")
	var got struct {
		Records []struct {
			ID uint64 `json:"id"`
		} `json:"records"`
		UnfinishedRuns []struct {
			Runs []struct {
				ID string `json:"id"`
			} `json:"runs"`
		} `json:"unfinished_runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	ids := map[string]int{}
	for _, rec := range got.Records {
		ids[strconv.FormatUint(rec.ID, 10)]++
	}
	for _, g := range got.UnfinishedRuns {
		for _, run := range g.Runs {
			ids[run.ID]++
		}
	}
	if len(ids) != 2 || ids[runID] != 1 || ids[strconv.FormatUint(body, 10)] != 1 {
		t.Errorf("list -o json ids %v, want the body's and %s once each:\n%s", ids, runID, r.stdout)
	}

	r = run(t, registry(), env, "outbox", "drop", runID)
	if want := "dropped " + runID + " (unfinished run of inject S1 by pid "; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("drop %s: exit %d, want %q: %s%s", runID, r.code, want, r.stdout, r.stderr)
	}
	s, err = outbox.Open(box, outbox.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending, _ := s.List()
	runs, _ := s.Starts()
	if len(pending) != 1 || pending[0].ID != body || pending[0].State != outbox.Pending || len(runs) != 0 {
		t.Errorf("after drop %s: records %+v, runs %+v; want body %d pending, no run", runID, pending, runs, body)
	}
}
