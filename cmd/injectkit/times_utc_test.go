package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// farZone is a time zone that is not UTC, for the runs whose machine
// output must say its times in UTC whatever the machine's zone.
const farZone = "America/New_York"

// aTime matches a string value that is a time, RFC 3339 or ISO 8601.
var aTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`)

// checkUTC fails t for every time among the string values of v (a
// decoded JSON document) that is not RFC 3339 in UTC ("…Z").
func checkUTC(t *testing.T, what string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			checkUTC(t, what+"."+k, e)
		}
	case []any:
		for _, e := range v {
			checkUTC(t, what+"[]", e)
		}
	case string:
		if !aTime.MatchString(v) {
			return
		}
		tm, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			t.Errorf("%s = %q: not RFC 3339: %v", what, v, err)
			return
		}
		if _, off := tm.Zone(); off != 0 || v[len(v)-1] != 'Z' {
			t.Errorf("%s = %q: not in UTC", what, v)
		}
	}
}

// needZone skips t when the machine has no zone database for farZone.
func needZone(t *testing.T) {
	t.Helper()
	if _, err := time.LoadLocation(farZone); err != nil {
		t.Skipf("no time zone %s here: %v", farZone, err)
	}
}

// `outbox list -o json` gives its records' times in UTC, as its table and
// the signatures do, whatever the zone of the processes that stored and
// list them: a record kept the offset of the run that wrote it.
func TestBinaryOutboxListJSONTimesInUTC(t *testing.T) {
	needZone(t)
	be := transporttest.NewBackend(t)
	be.SetReply(transporttest.Reply{Status: http.StatusUnprocessableEntity})
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := []string{"TZ=" + farZone}
	code, _, errs := injectkit(t, env, "run", "noop", "--inject-id", "tz-1", "--target", "127.0.0.1",
		"--backend-url", be.URL, "--outbox", box)
	if code != cli.ExitDelivery {
		t.Fatalf("run: exit %d, want %d (a body refused, kept dead): %s", code, cli.ExitDelivery, errs)
	}
	code, out, errs := injectkit(t, env, "outbox", "list", "--outbox", box, "-o", "json")
	if code != cli.ExitOK {
		t.Fatalf("list: exit %d: %s", code, errs)
	}
	var list struct {
		Records []map[string]any `json:"records"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if len(list.Records) != 1 || list.Records[0]["dead_at"] == nil || list.Records[0]["created"] == nil {
		t.Fatalf("want one dead record with its times: %s", out)
	}
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	checkUTC(t, "list", doc)
}

// A run's log lines say their time in RFC 3339 UTC, `--log-format json`'s
// "ts" as the console's first column, whatever the machine's zone: zap's
// ISO 8601 encoder wrote 2026-12-05T04:17:41.518-0500, which an RFC 3339
// parser refuses.
func TestBinaryLogTimesInUTC(t *testing.T) {
	needZone(t)
	env := []string{"TZ=" + farZone}
	code, _, errs := injectkit(t, env, "run", "noop", "--target", "127.0.0.1", "--log-format", "json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := 0
	for line := range strings.Lines(errs) {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("stderr line not JSON: %v: %q", err, line)
		}
		if _, ok := l["ts"].(string); !ok {
			t.Fatalf("log line without its ts: %q", line)
		}
		checkUTC(t, "log line", map[string]any{"ts": l["ts"]})
		lines++
	}
	if lines == 0 {
		t.Fatal("no log line")
	}
	code, _, errs = injectkit(t, env, "run", "noop", "--target", "127.0.0.1")
	if code != cli.ExitOK {
		t.Fatalf("console: exit %d: %s", code, errs)
	}
	for line := range strings.Lines(errs) {
		ts, _, _ := strings.Cut(line, "\t")
		checkUTC(t, "console log line", ts)
	}
}
