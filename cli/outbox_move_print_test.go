package cli_test

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// The command move prints sends what it moved: flush for pending bodies,
// retry-dead for dead ones (flush leaves them), both for both; and, when
// --to holds a user:password, it says to add it (not shown), as a run's
// flush hint does. It used to print flush for dead bodies alone, and the
// URL bare.
func TestOutboxMovePrintsTheCommandThatSends(t *testing.T) {
	const from, to = "http://127.0.0.1:1", "http://127.0.0.1:2"
	tests := []struct {
		name       string
		dead       []bool // per body stored for from: moved to the dead list
		to         string
		want, none []string
	}{
		{name: "pending", dead: []bool{false}, to: to,
			want: []string{"flush them with: injectkit outbox flush --outbox BOX --backend-url " + to + "\n"},
			none: []string{"retry-dead", "user:password"}},
		{name: "dead only", dead: []bool{true, true}, to: to,
			want: []string{"resend each with: injectkit outbox retry-dead <id> --outbox BOX --backend-url " + to + "\n"},
			none: []string{"outbox flush"}},
		{name: "pending and dead", dead: []bool{false, true}, to: to,
			want: []string{"flush the pending ones with: injectkit outbox flush --outbox BOX --backend-url " + to +
				"; resend each dead one with: injectkit outbox retry-dead <id> --outbox BOX --backend-url " + to + "\n"}},
		{name: "credentials in --to", dead: []bool{false}, to: "http://user:pa55w0rd-x@127.0.0.1:2",
			want: []string{"--backend-url " + to + ", adding the URL's user:password (not shown)\n"},
			none: []string{"pa55w0rd-x", "user@"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			withStore(t, box, func(s *outbox.Store) (err error) {
				for i, dead := range tt.dead {
					recs, perr := s.Put(outbox.Entry{InjectID: "inj-mv", Phase: "p", ChunkIndex: i, TotalChunks: len(tt.dead), BaseURL: from, Body: []byte(`{}`)})
					err = errors.Join(err, perr)
					if perr == nil && dead {
						err = errors.Join(err, s.MoveToDead(recs[0].ID, 1, http.StatusUnprocessableEntity, "{}", `callback rejected: status 422: "{}"`))
					}
				}
				return err
			})
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "move", "--from", from, "--to", tt.to)
			if r.code != 0 {
				t.Fatalf("move: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "BOX", box); !strings.Contains(r.stdout, w) {
					t.Errorf("move printed %q, want %q in it", r.stdout, w)
				}
			}
			for _, n := range tt.none {
				if strings.Contains(r.stdout+r.stderr, n) {
					t.Errorf("move printed %q, want no %q\n%s", r.stdout, n, r.stderr)
				}
			}
		})
	}
}
