package cli_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/transport/outbox"
)

// An id or a setting an outbox command refuses without reading its
// outbox is refused before the outbox is opened: while a running serve
// holds the outbox's lock, `outbox drop abc` exits 2 naming "abc" (it
// waited for the lock, then said the outbox was locked, never the id),
// and the file is left as it was.
func TestOutboxArgsRefusedBeforeTheOutboxIsOpened(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	box := filepath.Join(t.TempDir(), "outbox.db")
	holder, err := outbox.Open(box, outbox.Options{Command: "holder under test"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	recs, err := holder.Put(outbox.Entry{InjectID: "inj-held", Phase: "p", BaseURL: be.URL, Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, "refused", "answer 400"); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(box)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"drop", "abc"}, `invalid id "abc": not an outbox id`},
		{[]string{"drop", "0"}, `invalid id "0": not an outbox id`},
		{[]string{"drop", "18446744073709551616"}, `invalid id "18446744073709551616": not an outbox id`},
		{[]string{"drop", "01"}, `invalid id "01": not an id as outbox list prints it`},
		{[]string{"drop", "run-x"}, `invalid id "run-x": not an outbox id`},
		{[]string{"drop"}, `want one outbox id, got ""`},
		{[]string{"drop", "1", "2"}, `want one outbox id, got "1 2"`},
		{[]string{"drop", "--before", "yesterday"}, `invalid before "yesterday" (--before): not a date`},
		{[]string{"drop", "1", "--from", be.URL}, "outbox drop takes an id or a selection (--from, --before), not both"},
		{[]string{"retry-dead", "1.5", "--backend-url", be.URL}, `invalid id "1.5": not an outbox id`},
		{[]string{"retry-dead", "run-1", "--backend-url", be.URL}, `invalid id "run-1": not an outbox id`},
		{[]string{"retry-dead", "--backend-url", be.URL}, `want one outbox id, got ""`},
		{[]string{"move", "--from", be.URL, "--to", be.URL + "/"}, `invalid to "` + be.URL + `/" (--to): the backend of from`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			// A lock timeout the holder outlasts: a command that opened
			// the outbox would exit 2 saying it is locked.
			env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_OUTBOX_LOCK_TIMEOUT": "10ms"}
			r := run(t, registry(), env, append(append([]string{"outbox"}, tt.args...), "--log-level", "error")...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "locked") {
				t.Errorf("exit %d, want %d with %q:\n%s%s", r.code, cli.ExitUsage, tt.want, r.stdout, r.stderr)
			}
			if after, err := os.ReadFile(box); err != nil || !bytes.Equal(before, after) {
				t.Errorf("outbox file changed (%v)", err)
			}
		})
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
