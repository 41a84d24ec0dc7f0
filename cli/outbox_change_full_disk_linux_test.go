//go:build linux

package cli_test

import (
	"strings"
	"testing"
)

// An outbox command that changes the outbox without sending (drop of an
// id, retry-dead's move back to pending, move) exits 2 on a full disk, as
// flush, retry-dead's send, compact and drop --from do and as the
// README's exit codes say of an outbox not writable, saying that nothing
// changed and what to do; it exited 1, the disk's error alone ("outbox F:
// write F: no space left on device"), as for a body the backend did not
// take. The outbox is compacted before the disk fills: no free page is
// left in the file, so the command's commit needs room the disk has not.
func TestOutboxChangeOnFullDiskExitsUsage(t *testing.T) {
	pad := paddedBody()
	const n = 16
	tests := []struct {
		name string
		args []string
		dead bool // the bodies are dead (retry-dead's)
		want string
	}{
		{"drop", []string{"drop", "5"}, false, "nothing dropped: 5 stays as it was (make room on its file system, then drop it again)"},
		{"retry-dead", []string{"retry-dead", "5", "--backend-url", "{URL}"}, true,
			"nothing sent: 5 stays in the dead list as it was (make room on its file system, then retry it again)"},
		{"move", []string{"move", "--from", "{URL}", "--to", "http://127.0.0.1:2"}, false,
			"nothing moved, the outbox is as it was (make room on its file system, then move again)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFullDisk(t, n, pad, tt.dead)
			be, env := d.be, d.env
			if r := run(t, registry(), env, "outbox", "compact"); r.code != 0 {
				t.Fatalf("compact: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			d.fill(t)
			args := []string{"outbox"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "{URL}", be.URL))
			}
			r := run(t, registry(), env, args...)
			if r.code != 2 || !strings.Contains(r.stderr, "no space left on device") || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 saying the disk is full and %q:\n%s%s", r.code, tt.want, r.stdout, r.stderr)
			}
			if n := len(be.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			got := listOutbox(t, env)
			if tt.dead && got.Dead != n || !tt.dead && got.Pending != n {
				t.Errorf("%d pending, %d dead after it, want the %d as they were", got.Pending, got.Dead, n)
			}
			for _, r := range got.Records {
				if r.BaseURL != be.URL {
					t.Errorf("record %d: base URL %s, want %s as it was", r.ID, r.BaseURL, be.URL)
				}
			}
		})
	}
}
