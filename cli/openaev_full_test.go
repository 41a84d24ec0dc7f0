package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// `run --profile openaev` whose outbox has no room for the terminal
// callback sends it unstored, as the callback profile does: the platform
// processes the "complete" (one, and each per-target trace once), stderr
// has the WARN saying it was not kept, and nothing is stored. It was never
// sent: the run exited 1 and the platform kept the inject running.
func TestRunOpenAEVOutboxFullSendsUnstored(t *testing.T) {
	t.Parallel()
	const id = "inj-full"
	p := noopPlatform(t, id)
	env, box := outboxEnv(t)
	inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"`+id+`","targets":[{"value":"127.0.0.1","asset":"a1"}]}`)
	r := run(t, registry(), env, "run", "--inject-file", inject, "--profile", "openaev", "--backend-url", p.URL,
		"--outbox-max-bytes", crampOutbox(t, box), "--log-level", "warn")
	if r.code != 0 || !strings.Contains(r.stderr, "WARN\toutbox full: sending the signatures without storing them") {
		t.Fatalf("exit %d, want 0 with the WARN; stderr:\n%s", r.code, r.stderr)
	}
	done, ok := p.Terminal(id)
	if !ok || !done.Processed() || done.Body["execution_status"] != "SUCCESS" {
		t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
	}
	if n := len(p.Completions(id)); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
	traces := 0
	for _, c := range p.Calls(id) {
		if c.Kind == openaevtest.KindTrace {
			traces++
		}
	}
	if traces != 2 { // the run's INFO trace and the one of target a1
		t.Errorf("%d traces, want 2 (the per-target one sent once)", traces)
	}
	wantOutboxCramped(t, env, "(nothing to store)")
}

// `run --profile openaev` whose outbox has no room for a terminal
// callback of several bodies sends it unstored; when the platform then
// refuses a "data" body, the run exits 1 and prints the signatures of the
// targets the platform did not get only, as that body carried them, and
// chunks_delivered lists the bodies it took. Every target was printed,
// those of the "complete" the platform took too.
func TestRunOpenAEVOutboxFullUnstoredSendFails(t *testing.T) {
	t.Parallel()
	const id, n = "inj-full-fails", 32
	p := noopPlatform(t, id)
	inject := assetsInjectFile(t, id, n)
	front := refusingData(t, p)
	env, box := outboxEnv(t)
	r := run(t, registry(), env, "run", "--inject-file", inject, "--profile", "openaev", "--backend-url", front.URL,
		"--max-payload-size", "2048", "--outbox-max-bytes", crampOutbox(t, box), "--log-level", "warn")
	if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, "WARN\toutbox full: sending the signatures without storing them") {
		t.Fatalf("exit %d, want %d with the WARN; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
	}
	front.check(t, r.stderr, n)
}

// A target whose signatures fit in no body (an --openaev-message skips
// run's size check) is left out of the terminal callback; when the send
// then fails, the undelivered signatures printed on stderr hold it, with
// the targets of the bodies not delivered, through --outbox none or an
// outbox with no room alike. It was missing.
func TestRunOpenAEVDumpHoldsTargetsTooLargeForAnyBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, outbox string }{{"outbox none", "none"}, {"outbox full", "full"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const n, big = 32, 5
			id := "inj-too-large-" + tc.outbox
			p := noopPlatform(t, id)
			bigID := "asset-" + strings.Repeat("9", 3000)
			assets := make([]string, n)
			for i := range assets {
				asset := fmt.Sprintf("asset-%d", i)
				if i == big {
					asset = bigID
				}
				assets[i] = fmt.Sprintf(`{"asset_id":%q,"asset_ips":["10.0.0.%d"]}`, asset, i+1)
			}
			msg := writeFile(t, "message.json", `{"injection":{"inject_id":"`+id+`",`+
				`"inject_injector_contract":{"injector_contract_id":"`+openaev.ContractID("noop")+`"},`+
				`"inject_content":{"target_selector":"assets"}},"assets":[`+strings.Join(assets, ",")+`]}`)
			front := refusingData(t, p)
			env := map[string]string{"INJECTKIT_OUTBOX": tc.outbox, "INJECTKIT_TOKEN": platformToken}
			args := []string{"run", "--openaev-message", msg, "--backend-url", front.URL, "--max-payload-size", "2048", "--log-level", "error"}
			if tc.outbox == "full" {
				env["INJECTKIT_OUTBOX"] = filepath.Join(t.TempDir(), "outbox.db")
				args = append(args, "--outbox-max-bytes", crampOutbox(t, env["INJECTKIT_OUTBOX"]))
			}
			r := run(t, registry(), env, args...)
			if r.code != cli.ExitDelivery {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
			}
			if !strings.Contains(r.stderr, `"asset":"`+bigID+`"`) {
				t.Errorf("the target too large for any body is not printed:\n%s", testkit.Tail(r.stderr, 2))
			}
			front.check(t, r.stderr, n)
		})
	}
}

// dataRefuser is a platform's front that refuses every "data" terminal
// callback body (400, not retried) and passes the rest on.
type dataRefuser struct {
	URL     string
	mu      sync.Mutex
	passed  [][]byte // the "complete" bodies passed on
	refused []byte   // the first "data" body refused
}

func refusingData(t *testing.T, p *openaevtest.Platform) *dataRefuser {
	t.Helper()
	d := &dataRefuser{}
	proxy := testkit.ReverseProxy(t, p.URL)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		d.mu.Lock()
		defer d.mu.Unlock()
		switch {
		case bytes.Contains(body, []byte(`"execution_action":"data"`)):
			if d.refused == nil {
				d.refused = body
			}
			w.WriteHeader(http.StatusBadRequest)
			return
		case bytes.Contains(body, []byte(`"execution_action":"complete"`)):
			d.passed = append(d.passed, body)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	d.URL = front.URL
	return d
}

// check checks the undelivered signatures of a run of n targets whose
// "complete" passed and whose first "data" body was refused (see
// checkOpenAEVDump).
func (d *dataRefuser) check(t *testing.T, stderr string, n int) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.passed) != 1 || d.refused == nil {
		t.Fatalf("%d complete bodies passed, a data body refused: %v; stderr:\n%s", len(d.passed), d.refused != nil, stderr)
	}
	checkOpenAEVDump(t, stderr, d.passed, d.refused, n)
}

// A --max-payload-size no body of which can hold one target's signatures
// is refused by validate and run alike, with either profile: exit 2 naming
// the flag, the value and the least size, and nothing sent (the openaev
// profile passed validate, and its run left the target's signatures out).
// At the size the refusal suggests, the least that holds the inject, the
// run delivers them; one byte less is refused.
func TestRunTargetTooLargeForEitherProfile(t *testing.T) {
	t.Parallel()
	host := strings.Repeat(strings.Repeat("a", 60)+".", 4) + "example"
	asset := strings.Repeat("b", 700)
	for _, profile := range []string{cli.ProfileCallback, cli.ProfileOpenAEV} {
		for _, cmd := range []string{"validate", "run"} {
			t.Run(profile+" "+cmd, func(t *testing.T) {
				t.Parallel()
				p := openaevtest.NewPlatform(t, platformToken)
				id := "inj-" + profile + "-" + cmd
				// A request naming another inject is another test's, sent
				// to a port this server was given after that test's closed
				// it; a request naming this inject, or none, is this run's.
				var posts atomic.Int32
				var mu sync.Mutex
				var sent []string
				named := regexp.MustCompile(`/injects/([^/]+)`)
				ours := func(method, path string) {
					if m := named.FindStringSubmatch(path); m != nil && m[1] != id && m[1] != "execution" {
						return
					}
					mu.Lock()
					sent = append(sent, method+" "+path)
					mu.Unlock()
				}
				be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					posts.Add(1)
					ours(r.Method, r.URL.Path)
					w.WriteHeader(http.StatusOK)
				}))
				t.Cleanup(be.Close)
				url := be.URL
				if profile == cli.ProfileOpenAEV {
					registered(t, p, platformToken, registry())
					p.AddInject(id, openaev.ContractID("noop"))
					url = p.URL
				}
				calls := len(p.AllCalls())
				inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"`+id+`","targets":[{"value":"`+host+`","asset":"`+asset+`"}]}`)
				env, _ := outboxEnv(t)
				args := []string{cmd, "--inject-file", inject, "--profile", profile, "--backend-url", url, "--log-level", "error"}
				r := run(t, registry(), env, append(args, "--max-payload-size", "1024")...)
				m := regexp.MustCompile(`invalid targets\[0\] "a+\.[^"]*": its signatures(?:, with room for the execution_duration of a run lasting up to its timeout of 10m0s \(--timeout\),)? fit in no body of at most 1024 bytes ` +
					`\(--max-payload-size\); this inject needs at least (\d+) bytes: give --max-payload-size (\d+) or more`).FindStringSubmatch(r.stderr)
				if r.code != cli.ExitUsage || m == nil {
					t.Fatalf("exit %d, want 2 naming --max-payload-size 1024 and the least size; stderr:\n%s", r.code, r.stderr)
				}
				for _, c := range p.AllCalls()[calls:] {
					ours(c.Method, c.Path)
				}
				if mu.Lock(); len(sent) != 0 {
					t.Fatalf("%d requests sent before the refusal: %q", len(sent), sent)
				}
				mu.Unlock()
				if cmd == "validate" {
					return
				}
				// The size suggested is the least that holds the inject:
				// one byte less is refused, it is sent.
				least, _ := strconv.Atoi(m[1])
				if m[2] != m[1] {
					t.Errorf("suggests --max-payload-size %s for an inject needing %s bytes", m[2], m[1])
				}
				r = run(t, registry(), env, append(args, "--max-payload-size", strconv.Itoa(least-1))...)
				if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "give --max-payload-size "+m[1]+" or more") {
					t.Fatalf("at %d bytes: exit %d, want 2 suggesting %d\n%s", least-1, r.code, least, r.stderr)
				}
				r = run(t, registry(), env, append(args, "--max-payload-size", strconv.Itoa(least))...)
				if r.code != 0 {
					t.Fatalf("at %d bytes: exit %d\n%s", least, r.code, r.stderr)
				}
				if len(p.Signatures(id)) == 0 && posts.Load() == 0 {
					t.Errorf("at %d bytes the signatures were not sent", least)
				}
			})
		}
	}
}

// `run --profile openaev` whose outbox has no room for the terminal
// INVALID_USAGE callback of an inject it refuses (a bad param) sends it
// unstored, as it sends a result's: the platform ends the inject, stderr
// has the WARN, the exit code is still 2 and nothing is stored. The
// callback was lost: the platform kept the inject running.
func TestRunOpenAEVOutboxFullSendsRejectionUnstored(t *testing.T) {
	t.Parallel()
	const id = "inj-full-refused"
	p := noopPlatform(t, id)
	env, box := outboxEnv(t)
	r := run(t, registry(), env, "run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--param", "outcome=bogus",
		"--profile", "openaev", "--backend-url", p.URL, "--outbox-max-bytes", crampOutbox(t, box), "--log-level", "warn")
	if r.code != 2 || !strings.Contains(r.stderr, "WARN\toutbox full: sending the signatures without storing them") ||
		!strings.Contains(r.stderr, `invalid param "outcome=bogus"`) {
		t.Fatalf("exit %d, want 2 with the WARN and the refusal; stderr:\n%s", r.code, r.stderr)
	}
	done, ok := p.Terminal(id)
	if !ok || !done.Processed() || done.Body["execution_status"] != "INVALID_USAGE" {
		t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
	}
	wantOutboxCramped(t, env, "(nothing to store)")
}
