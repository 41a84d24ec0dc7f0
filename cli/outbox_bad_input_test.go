package cli_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/outbox"
)

// walkToken is the backend token of the walk below, with the characters
// that JSON, URL and base64 encodings change.
const walkToken = "tok-W4lk/S3cr3t+9f2="

// tokenForms are walkToken as an output or a file could hold it: raw,
// JSON-escaped, URL-escaped, and base64 (standard and URL alphabets,
// after 0 to 2 bytes, as in a Basic or Bearer header).
func tokenForms() []string {
	j, _ := json.Marshal(walkToken)
	forms := []string{walkToken, strings.Trim(string(j), `"`), url.QueryEscape(walkToken), url.PathEscape(walkToken)}
	for _, pre := range []string{"", "x", "xy", "Bearer ", "u:"} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			b := enc.EncodeToString([]byte(pre + walkToken))
			// The part that encodes the token alone, whatever precedes it.
			skip := (len(pre) + 2) / 3 * 4
			forms = append(forms, b[skip:skip+16])
		}
	}
	return forms
}

// Each outbox command, given bad input against a real outbox file (an id
// it does not hold, a flag value it refuses, a directory, a file that is
// not an outbox, a file another process holds), exits with its documented
// code (2: usage; 1: a move of a backend the outbox holds nothing for),
// names the flag or argument and its value, and changes nothing: the
// outbox file byte for byte, no file left beside it, nothing sent. No
// output holds the token in any encoding. `outbox move` of a --from the
// outbox holds nothing for wrote the file all the same (an empty commit).
func TestOutboxBadInputChangesNothing(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	const other = "http://127.0.0.1:9"
	dir := t.TempDir()
	box := filepath.Join(dir, "outbox.db")
	recs := storeBodies(t, box,
		outbox.Entry{InjectID: "inj-dead", Phase: "p", TotalChunks: 1, BaseURL: be.URL, Body: []byte(`{"a":1}`)},
		outbox.Entry{InjectID: "inj-pend", Phase: "p", TotalChunks: 1, BaseURL: be.URL, Body: []byte(`{"b":1}`)})
	withStore(t, box, func(s *outbox.Store) error {
		if err := s.MoveToDead(recs[0].ID, 1, http.StatusUnprocessableEntity, "{}", `callback rejected: status 422: "{}"`); err != nil {
			return err
		}
		return s.MarkFailed(recs[1].ID, 1, "status 500", time.Now())
	})
	dead, pending := strconv.FormatUint(recs[0].ID, 10), strconv.FormatUint(recs[1].ID, 10)
	notBox := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(notBox, []byte("not an outbox\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	aDir := filepath.Join(dir, "adir")
	if err := os.Mkdir(aDir, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		says []string // the flag or argument, and its value
	}{
		{"list --limit 0", []string{"list", "--limit", "0"}, 2, []string{"--limit", `"0"`}},
		{"list --output", []string{"list", "-o", "yaml"}, 2, []string{"--output", `"yaml"`}},
		{"list --outbox-lock-timeout", []string{"list", "--outbox-lock-timeout", "-5s"}, 2, []string{"--outbox-lock-timeout", `"-5s"`}},
		{"list an argument", []string{"list", "extra"}, 2, []string{`"extra"`}},
		{"list a directory", []string{"list", "--outbox", aDir}, 2, []string{"--outbox", aDir}},
		{"list not an outbox", []string{"list", "--outbox", notBox}, 2, []string{notBox, "not an outbox"}},
		{"drop not an id", []string{"drop", "abc"}, 2, []string{`"abc"`}},
		{"drop an unknown id", []string{"drop", "999"}, 2, []string{`"999"`, "no such outbox entry"}},
		{"drop an unknown run", []string{"drop", "run-999"}, 2, []string{`"run-999"`}},
		{"drop --before", []string{"drop", "--before", "yesterday"}, 2, []string{"--before", `"yesterday"`}},
		{"drop --from held nowhere", []string{"drop", "--from", other}, 2, []string{"--from", other}},
		{"drop an id and --from", []string{"drop", dead, "--from", be.URL}, 2, []string{"--from", `"` + dead + `"`}},
		{"drop a directory", []string{"drop", dead, "--outbox", aDir}, 2, []string{"--outbox", aDir}},
		{"drop not an outbox", []string{"drop", dead, "--outbox", notBox}, 2, []string{notBox}},
		{"retry-dead an unknown id", []string{"retry-dead", "999", "--backend-url", be.URL}, 2, []string{`"999"`}},
		{"retry-dead a pending id", []string{"retry-dead", pending, "--backend-url", be.URL}, 2, []string{pending + " is pending, not dead"}},
		{"retry-dead another backend", []string{"retry-dead", dead, "--backend-url", other}, 2, []string{"--backend-url " + other}},
		{"flush --backend-url", []string{"flush", "--backend-url", "not a url"}, 2, []string{"--backend-url", `"not a url"`}},
		{"flush a backend held nowhere", []string{"flush", "--backend-url", other}, 2, []string{"--backend-url " + other, "nothing sent"}},
		{"flush --ca-file", []string{"flush", "--backend-url", be.URL, "--ca-file", filepath.Join(dir, "missing.pem")}, 2, []string{"--ca-file", "missing.pem"}},
		{"flush a directory", []string{"flush", "--backend-url", be.URL, "--outbox", aDir}, 2, []string{"--outbox", aDir}},
		{"move to its own backend", []string{"move", "--from", be.URL, "--to", be.URL}, 2, []string{"--to", be.URL}},
		{"move --to", []string{"move", "--from", be.URL, "--to", "not a url"}, 2, []string{"--to", `"not a url"`}},
		{"move from a backend held nowhere", []string{"move", "--from", other, "--to", "http://127.0.0.1:10"}, 1, []string{"nothing moved", other}},
		{"compact an argument", []string{"compact", "extra"}, 2, []string{`"extra"`}},
		{"compact not an outbox", []string{"compact", "--outbox", notBox}, 2, []string{notBox}},
		{"an unknown command", []string{"show", dead}, 2, []string{`"show"`}},
	}
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": walkToken}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			was, names := snapshot(t, dir)
			r := run(t, registry(), env, append([]string{"outbox"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d:\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.says {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if now, left := snapshot(t, dir); !bytes.Equal(now, was) || !slices.Equal(left, names) {
				t.Errorf("changed: the outbox file %v, the files beside it %v, want %v", !bytes.Equal(now, was), left, names)
			}
			if n := len(be.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			for _, f := range tokenForms() {
				if strings.Contains(r.stdout+r.stderr, f) {
					t.Errorf("the output holds the token as %q:\n%s%s", f, r.stdout, r.stderr)
				}
			}
		})
	}
	// The file held by another process (here another Store, which holds
	// its lock as serve does): each command gives up after its lock
	// timeout, naming the holder.
	holder, err := outbox.Open(box, outbox.Options{Command: "walk holder"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	for _, args := range [][]string{
		{"list"}, {"drop", dead}, {"flush", "--backend-url", be.URL}, {"retry-dead", dead, "--backend-url", be.URL},
		{"move", "--from", be.URL, "--to", other}, {"compact"},
	} {
		t.Run(args[0]+" a locked file", func(t *testing.T) {
			was, names := snapshot(t, dir)
			r := run(t, registry(), env, append([]string{"outbox"}, append(args, "--outbox-lock-timeout", "100ms")...)...)
			if want := "outbox " + box + " is locked by process " + strconv.Itoa(os.Getpid()) + " (walk holder)"; r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
			if now, left := snapshot(t, dir); !bytes.Equal(now, was) || !slices.Equal(left, names) {
				t.Errorf("changed: the outbox file %v, the files beside it %v, want %v", !bytes.Equal(now, was), left, names)
			}
			if n := len(be.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
	raw, err := os.ReadFile(box)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tokenForms() {
		if bytes.Contains(raw, []byte(f)) {
			t.Errorf("the outbox file holds the token as %q", f)
		}
	}
}

// snapshot returns the bytes of dir's outbox.db and the names in dir.
func snapshot(t *testing.T, dir string) ([]byte, []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return raw, names
}
