package outbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRetriedUnnotedGoesBackDead: a retry-dead whose attempt cannot be
// noted (NotNoted: no request made) puts the body back in the dead list
// as it was, also when the release of its unposted attempt could not be
// written (the disk full for that commit too): the body is still this
// process's then, no other's, and goes back dead, not left pending under
// an error naming this process as another sender.
func TestRetriedUnnotedGoesBackDead(t *testing.T) {
	for _, failRelease := range []bool{false, true} {
		name := "released"
		if failRelease {
			name = "release not written"
		}
		t.Run(name, func(t *testing.T) {
			s := openTemp(t, Options{})
			id := putComplete(t, s).ID
			was := retriedDead(t, s, id, 3, 422, "{}", "rejected")
			r, ok, err := s.Claim(id)
			if err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			withoutAttemptsFile(t, s)
			if err := os.MkdirAll(filepath.Join(s.attemptsPath(), "held"), 0o700); err != nil {
				t.Fatal(err)
			}
			var fails atomic.Int32
			if failRelease {
				fails.Store(1)
			}
			s.SetCommitHooks(nil, nil, func() error {
				if fails.Add(-1) >= 0 {
					return errors.New("no space left on device")
				}
				return nil
			})
			posts := 0
			out, err := s.SendRetried(context.Background(), posterFunc(func(context.Context, string, int, []byte) error { posts++; return nil }), r, was)
			if out != Failed || !NotNoted(err) || posts != 0 {
				t.Fatalf("outcome %s, %d posts, error %v; want Failed, none posted, NotNoted", out, posts, err)
			}
			if strings.Contains(err.Error(), "not put back") {
				t.Errorf("error %v, want the body put back in the dead list", err)
			}
			now, err := s.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			if now.State != Dead || now.Owner != 0 || now.Attempts != was.Attempts || now.LastError != was.LastError || now.DeadStatus != was.DeadStatus {
				t.Errorf("record %s, owner %d, %d attempts, last error %q, dead status %d; want dead as it was (%d attempts, %q, %d), unowned",
					now.State, now.Owner, now.Attempts, now.LastError, now.DeadStatus, was.Attempts, was.LastError, was.DeadStatus)
			}
		})
	}
}
