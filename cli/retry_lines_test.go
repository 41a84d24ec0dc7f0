package cli_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A request refused at every attempt reaches the user once: each retry
// one WARN line (attempt n/N), the client returns the failure, and it is
// logged once at WARN or ERROR, naming the attempts, by the runtime or
// the outbox command (retry-dead prints its human line only): for run
// (both profiles), outbox flush and outbox retry-dead. serve's is checked
// by TestIntegrationServeOutbox.
func TestOneFailureOneLine(t *testing.T) {
	down := func(t *testing.T) string {
		return testkit.NewScriptedBackend(t, testkit.Repeat(4, 503, `{"message":"down"}`)...).URL
	}
	// stored puts one body of inject i-down for url in a new outbox, dead
	// when dead, and returns the outbox's environment and the body's id.
	stored := func(t *testing.T, url string, dead bool) (map[string]string, string) {
		box := filepath.Join(t.TempDir(), "outbox.db")
		s, err := outbox.Open(box, outbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		recs, err := s.Put(outbox.Entry{InjectID: "i-down", Phase: "p", BaseURL: url, Body: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if dead {
			if err := s.MoveToDead(recs[0].ID, 1, 400, "refused", "answer 400"); err != nil {
				t.Fatal(err)
			}
		}
		return map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok"}, strconv.FormatUint(recs[0].ID, 10)
	}
	tests := []struct {
		name string
		// line returns the command's environment and arguments.
		line      func(t *testing.T) (map[string]string, []string)
		op, final string // final "": no log line, the CLI's own line only
	}{
		{"run, callback profile", func(t *testing.T) (map[string]string, []string) {
			return nil, []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "i-down", "--backend-url", down(t),
				"--token", "tok", "--outbox", "none"}
		}, "callback", "delivery failed"},
		{"run --openaev-message", func(t *testing.T) (map[string]string, []string) {
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			p.AddInject("i-down", openaev.ContractID("noop"))
			p.FailComplete("i-down", 503, openaev.DefaultAttempts)
			msg := `{"injection":{"inject_id":"i-down","inject_injector_contract":{"injector_contract_id":"` +
				openaev.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`
			return map[string]string{"INJECTKIT_TOKEN": platformToken},
				[]string{"run", "--openaev-message", writeFile(t, "message.json", msg), "--backend-url", p.URL, "--outbox", "none",
					"--openaev-ingest-window", "0"} // a stand-in processing before its answer (legacy ingestion)
		}, "complete", "delivery failed"},
		{"outbox flush", func(t *testing.T) (map[string]string, []string) {
			url := down(t)
			env, _ := stored(t, url, false)
			return env, []string{"outbox", "flush", "--backend-url", url}
		}, "callback", "outbox body not delivered; kept"},
		{"outbox retry-dead", func(t *testing.T) (map[string]string, []string) {
			url := down(t)
			env, id := stored(t, url, true)
			return env, []string{"outbox", "retry-dead", id, "--backend-url", url}
		}, "callback", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, args := tt.line(t)
			r := run(t, registry(), env, append(args, "--log-format", "json")...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
			}
			checkOneFailureLine(t, r.stderr, "i-down", tt.op, tt.final)
		})
	}
}
