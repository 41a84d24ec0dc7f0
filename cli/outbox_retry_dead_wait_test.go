package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// A retry-dead whose send fails leaves the body pending, out of the dead
// list: the error says so, when it is due, and the flush that sends it
// (h232: it said "callback failed after 4 attempts: …" alone, where the
// body was neither dead nor said pending). A 503 whose Retry-After asks
// more than the client waits (30 s) ends its attempts at once, as a
// flush's: one request, not 3 waits of 30 s into the same answer.
func TestRetryDeadFailedStaysPending(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		requests   int64
		next       string // the next try the error names
	}{
		{"503 asking an hour", "3600", 1, "next try in 5m0s"},
		{"503 asking for none", "0", 4, "next try in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMaintenance(t, http.StatusUnprocessableEntity, tt.retryAfter) // the run's body: dead
			srv, down, posts := m.srv, &m.down, &m.posts
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			keepInOutbox(t, env, "inj-rd", srv.URL)
			down.Store(true)
			rd := run(t, registry(), env, "outbox", "retry-dead", "1", "--backend-url", srv.URL, "--log-level", "error")
			want := "retry-dead incomplete: 1 (inject inj-rd) stays pending, out of the dead list, " + tt.next
			flush := "(send it with: injectkit outbox flush --outbox " + box + " --backend-url " + srv.URL + "): callback failed after "
			if rd.code != 1 || !strings.Contains(rd.stderr, want) || !strings.Contains(rd.stderr, flush) {
				t.Errorf("exit %d, want 1 and %q, %q:\n%s%s", rd.code, want, flush, rd.stdout, rd.stderr)
			}
			if n := posts.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			list := listOutbox(t, env)
			if len(list.Records) != 1 || list.Records[0].State != "pending" || !strings.HasPrefix(list.Records[0].Next, "in ") {
				t.Errorf("records %+v, want the body pending, due later", list.Records)
			}
		})
	}
}
