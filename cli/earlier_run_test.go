package cli_test

import (
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
	bolt "go.etcd.io/bbolt"
)

// A run of an inject whose earlier run left its "complete" pending in the
// outbox says so as it starts, naming the stored body and what a flush
// will do with it (as the flush decides it); a run with nothing pending,
// another inject's body pending, or no outbox says nothing.
func TestRunWarnsOfEarlierRunPending(t *testing.T) {
	const noSignatures = "carrying no signatures: once this run completes the inject, outbox flush drops that complete"
	t.Parallel()
	tests := []struct {
		name     string
		failed   bool     // the first run's complete failed after every attempt
		second   string   // the inject id of the second run
		extra    []string // the second run's further flags
		target   []string // the first run's targets; nil: an inject file's, of assets
		warned   string   // what the WARN says a flush does; "" for no WARN
		lostBody bool     // the stored complete's body is gone from the outbox file
	}{
		{"complete pending", true, "inj-again", nil, nil, "outbox flush sends not that complete but its signatures, as data", false},
		// t87: a complete carrying no signatures (one target's, a
		// rejection's) is dropped by the flush, its signatures sent nowhere.
		{"complete of one target pending", true, "inj-again", nil, []string{"127.0.0.1"}, noSignatures, false},
		{"rejection pending", true, "inj-again", nil, []string{"bad_host!"}, noSignatures, false},
		{"complete pending, its body unreadable", true, "inj-again", nil, nil, "left its complete pending in the outbox, but its content cannot be read", true},
		{"nothing pending", false, "inj-again", nil, nil, "", false},
		{"another inject's complete pending", true, "inj-other", nil, []string{"127.0.0.1"}, "", false},
		{"no outbox", true, "inj-again", []string{"--outbox", "none"}, []string{"127.0.0.1"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			p.AddInject("inj-again", openaev.ContractID("noop"))
			p.AddInject("inj-other", openaev.ContractID("noop"))
			if tt.failed {
				p.FailComplete("inj-again", http.StatusServiceUnavailable, openaev.DefaultAttempts)
			}
			env, box := outboxEnv(t)
			args := func(id, level string, targets ...string) []string {
				a := []string{"run", "noop", "--profile", "openaev", "--inject-id", id,
					"--backend-url", p.URL, "--log-level", level}
				for _, target := range targets {
					a = append(a, "--target", target)
				}
				return a
			}
			var outboxID string
			if tt.failed {
				first := args("inj-again", "error", tt.target...)
				if tt.target == nil {
					inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"inj-again","targets":[`+
						`{"value":"10.0.0.1","asset":"asset-1"},{"value":"10.0.0.2","asset":"asset-2"}]}`)
					first = []string{"run", "--inject-file", inject, "--profile", "openaev", "--backend-url", p.URL, "--log-level", "error"}
				}
				if r := run(t, registry(), env, first...); r.code == 0 {
					t.Fatalf("first run: exit 0, want its callback kept\n%s", r.stderr)
				}
				l := listOutbox(t, env)
				if len(l.Records) != 1 {
					t.Fatalf("outbox after the first run: %+v", l)
				}
				outboxID = strconv.FormatUint(l.Records[0].ID, 10)
				if tt.lostBody {
					outboxtest.Update(t, box, func(tx *bolt.Tx) error {
						return tx.Bucket([]byte("bodies")).Delete(binary.BigEndian.AppendUint64(nil, l.Records[0].ID))
					})
				}
			}
			r := run(t, registry(), env, append(args(tt.second, "warn", "127.0.0.1"), tt.extra...)...)
			if r.code != 0 {
				t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
			}
			var lines []string
			for line := range strings.Lines(r.stderr) {
				if strings.Contains(line, "an earlier run of this inject") {
					lines = append(lines, line)
				}
			}
			if tt.warned == "" {
				if len(lines) != 0 {
					t.Errorf("WARN lines about an earlier run, want none:\n%s", strings.Join(lines, ""))
				}
				return
			}
			if len(lines) != 1 || !strings.Contains(lines[0], `"outbox_id": `+outboxID) ||
				!strings.Contains(lines[0], tt.warned) {
				t.Errorf("want one WARN naming outbox body %s and what a flush does with it; stderr:\n%s", outboxID, r.stderr)
			}
		})
	}
}
