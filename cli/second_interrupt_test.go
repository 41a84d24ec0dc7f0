package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// A second interrupt that cuts a callback POST short in flight is said
// the same with --outbox none as with an outbox: the attempt cut short,
// which the backend may have received, so that whoever posts the printed
// signatures again knows they may be there twice. Without an outbox it
// said only "context canceled".
func TestRunSecondInterruptInFlightSaysTheBackendMayHaveIt(t *testing.T) {
	t.Parallel()
	const want = "attempt 1 cut short by the interrupt while in flight (the backend may have received it): context canceled"
	for _, tc := range []struct {
		name    string
		outbox  bool
		targets string // one body, or several chunks
		cutAt   int32  // the POST the interrupt comes during, from 1
	}{
		{"none, one body", false, "10.0.0.1", 1},
		{"none, first chunk of several", false, "10.0.0.0/24", 1},
		{"none, later chunk of several", false, "10.0.0.0/24", 2},
		{"outbox, one body", true, "10.0.0.1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			abort := cli.NewAbort()
			var posts atomic.Int32
			var held atomic.Bool
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if posts.Add(1) == tc.cutAt && abort.Fire() {
					held.Store(true)
					<-r.Context().Done() // the run cuts its POST short
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(be.Close)
			box := "none"
			if tc.outbox {
				box = filepath.Join(t.TempDir(), "outbox.db")
			}
			r := runWith(t, cli.Options{Registry: registry(), Abort: abort}, map[string]string{"INJECTKIT_TOKEN": "tok-cut"},
				"run", "noop", "--target", tc.targets, "--inject-id", "inj-cut", "--outbox", box,
				"--backend-url", be.URL, "--max-payload-size", "4096", "--log-level", "error")
			be.Close()
			if !held.Load() {
				t.Fatalf("no send held the abort; exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %d and %q", r.code, r.stderr, cli.ExitInterrupted, want)
			}
		})
	}
}

// A second interrupt while `run --profile openaev --outbox none` posts
// its terminal callback is held by the send, as with the callback
// profile: the POST is cut short, the run exits 130 saying the sending
// stopped and which callback bodies were not sent, and prints the
// signatures of those only (chunks_delivered lists the bodies the platform
// took), as the platform would have got them: the targets of the body cut
// short are printed as that body carried them (the platform's signature
// names), with --profile openaev or --openaev-message alike. Nothing held
// it: main exited at once, saying the bodies not delivered stayed in an
// outbox there was none of; then every signature was printed, those
// delivered too, and in the callback profile's names (source_ipv4 …). An
// outbox with no room for the callback (sent unstored) does the same,
// saying it was full: the unstored send held no abort and posted on.
func TestRunOpenAEVSecondInterruptWithoutOutbox(t *testing.T) {
	t.Parallel()
	// The body cut short is said as the callback profile says it (h221's
	// finding: it said "context canceled" alone), so that whoever posts
	// the printed result again knows the platform may hold it.
	const cutInFlight = "attempt 1 cut short by the interrupt while in flight (the backend may have received it): context canceled"
	for _, tc := range []struct {
		name    string
		action  string // the body the second interrupt comes during
		targets int    // 1: one body; 32: several
		full    bool   // an outbox without room, not --outbox none
		message bool   // --openaev-message, not --inject-file --profile openaev
		want    string // which is cut short
	}{
		{"one body", "complete", 1, false, false, "terminal callback (complete): " + cutInFlight},
		{"complete of several", "complete", 32, false, false, "terminal callback (complete): " + cutInFlight},
		{"data of several", "data", 32, false, false, "terminal callback (data): " + cutInFlight},
		{"message, one body", "complete", 1, false, true, "terminal callback (complete): " + cutInFlight},
		{"message, data of several", "data", 32, false, true, "terminal callback (data): " + cutInFlight},
		{"outbox full, one body", "complete", 1, true, false, "sent without storing until sending stopped"},
		{"outbox full, complete of several", "complete", 32, true, false, "sent without storing until sending stopped"},
		{"outbox full, data of several", "data", 32, true, false, "neither sent nor kept"},
		{"outbox full, message, data of several", "data", 32, true, true, "neither sent nor kept"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := "inj-abort-" + strconv.Itoa(tc.targets) + tc.action + strconv.FormatBool(tc.full) + strconv.FormatBool(tc.message)
			p := noopPlatform(t, id)
			assets := make([]string, tc.targets)
			for i := range assets {
				assets[i] = fmt.Sprintf(`{"asset_id":"asset-%d","asset_ips":["10.0.0.%d"],"asset_agents":[{"agent_id":"agent-%d"}]}`, i, i+1, i)
			}
			input := []string{"--inject-file", assetsInjectFile(t, id, tc.targets), "--profile", "openaev"}
			if tc.message {
				input = []string{"--openaev-message", writeFile(t, "message.json", `{"injection":{"inject_id":"`+id+`",`+
					`"inject_injector_contract":{"injector_contract_id":"`+openaev.ContractID("noop")+`"},`+
					`"inject_content":{"target_selector":"assets"}},"assets":[`+strings.Join(assets, ",")+`]}`)}
			}
			abort := cli.NewAbort()
			var fired, held atomic.Bool
			var posted atomic.Int32 // terminal callback bodies passed on
			var mu sync.Mutex
			var passed [][]byte
			var cut []byte // the body cut short
			proxy := testkit.ReverseProxy(t, p.URL)
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				if bytes.Contains(body, []byte(`"execution_action":"`+tc.action+`"`)) && !fired.Swap(true) && abort.Fire() {
					// The second Ctrl-C, as main hands it over, held by a send.
					held.Store(true)
					mu.Lock()
					cut = body
					mu.Unlock()
					<-r.Context().Done() // the run cuts its POST short
					return
				}
				if bytes.Contains(body, []byte(`"execution_action":"complete"`)) || bytes.Contains(body, []byte(`"execution_action":"data"`)) {
					posted.Add(1)
					mu.Lock()
					passed = append(passed, body)
					mu.Unlock()
				}
				proxy.ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			env := map[string]string{"INJECTKIT_OUTBOX": "none", "INJECTKIT_TOKEN": platformToken}
			args := append(append([]string{"run"}, input...), "--backend-url", front.URL,
				"--max-payload-size", "2048", "--log-level", "error")
			if tc.full {
				env["INJECTKIT_OUTBOX"] = filepath.Join(t.TempDir(), "outbox.db")
				args = append(args, "--outbox-max-bytes", crampOutbox(t, env["INJECTKIT_OUTBOX"]))
			}
			r := runWith(t, cli.Options{Registry: registry(), Abort: abort}, env, args...)
			// The run returns once its POST is cut short, which may be
			// before the handler that fired the abort has said so (held,
			// cut): Close waits for every handler to return.
			front.Close()
			if !held.Load() {
				t.Fatalf("no send held the abort: main exits at once; exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if r.code != cli.ExitInterrupted {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitInterrupted, r.stderr)
			}
			for _, want := range []string{"injectkit: sending stopped by a second interrupt: ", tc.want,
				`undelivered result: {`} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			mu.Lock()
			checkOpenAEVDump(t, r.stderr, passed, cut, tc.targets)
			mu.Unlock()
			if tc.full {
				if !strings.Contains(r.stderr, "outbox "+env["INJECTKIT_OUTBOX"]+" full: ") || strings.Contains(r.stderr, "stored in outbox") {
					t.Errorf("stderr does not say the outbox was full, or says something was stored:\n%s", testkit.Tail(r.stderr, 1))
				}
				wantOutboxCramped(t, env, "(nothing to store)")
				return
			}
			m := regexp.MustCompile(`\(terminal callback bodies (\d+)-(\d+) of (\d+) not delivered[;)]`).FindStringSubmatch(r.stderr)
			if tc.targets == 1 {
				if m != nil {
					t.Errorf("one body, yet stderr counts bodies:\n%s", testkit.Tail(r.stderr, 1))
				}
				return
			}
			if m == nil {
				t.Fatalf("stderr does not name the bodies not delivered:\n%s", testkit.Tail(r.stderr, 1))
			}
			first, _ := strconv.Atoi(m[1])
			last, _ := strconv.Atoi(m[2])
			total, _ := strconv.Atoi(m[3])
			if sent := int(posted.Load()); total < 2 || first != sent || last != total-1 {
				t.Errorf("stderr says bodies %d-%d of %d not delivered; %d were sent", first, last, total, sent)
			}
		})
	}
}

// checkOpenAEVDump checks that the undelivered result stderr prints is
// the openaev profile's: the terminal callback bodies the platform did not
// take, each a POST to the inject's callback path as the profile sends it
// (the body cut short printed as it was sent), bodies_delivered listing
// those it took (absent when none), and that their signature targets, with
// those no body carries, are those of the targets (n in all) the bodies
// the platform took (passed) do not hold, none of theirs.
func checkOpenAEVDump(t *testing.T, stderr string, passed [][]byte, cut []byte, n int) {
	t.Helper()
	dump := openAEVDump(t, stderr)
	printed := decodeTargets(t, dump.LeftOut)
	total := len(dump.LeftOut)
	cutPrinted := false
	for _, rq := range dump.Requests {
		if rq.Method != http.MethodPost || rq.Path != "/api/injects/execution/callback/"+dump.InjectID {
			t.Errorf("request %s %s printed, want POST /api/injects/execution/callback/%s", rq.Method, rq.Path, dump.InjectID)
		}
		if cut != nil && jsonEqual(t, rq.Body, cut) {
			cutPrinted = true
		}
		for asset, target := range wireTargets(t, rq.Body, false) {
			printed[asset] = target
			total++
		}
	}
	if cut != nil && !cutPrinted {
		t.Errorf("the body cut short is not printed as it was sent:\n%s\nprinted:\n%s", cut, testkit.Tail(stderr, 3))
	}
	for asset, want := range wireTargets(t, cut, true) {
		if got := printed[asset]; !reflect.DeepEqual(got, want) {
			t.Errorf("target %s printed as\n%v\nthe body cut short carried it as\n%v", asset, got, want)
		}
	}
	took := map[string]bool{}
	asset := regexp.MustCompile(`\\"asset\\":\\"(asset-\d+)\\"`)
	for _, b := range passed {
		for _, m := range asset.FindAllSubmatch(b, -1) {
			took[string(m[1])] = true
		}
	}
	for asset := range printed {
		if took[asset] {
			t.Errorf("target %s printed as undelivered, yet the platform took it", asset)
		}
	}
	if got := len(took) + len(printed); got != n || len(printed) != total {
		t.Errorf("%d targets delivered and %d printed (%d distinct): want %d in all", len(took), total, len(printed), n)
	}
	want := make([]int, len(passed))
	for i := range want {
		want[i] = i
	}
	if len(dump.Delivered) != len(want) || !slices.Equal(dump.Delivered, want) {
		t.Errorf("bodies_delivered %v, want %v", dump.Delivered, want)
	}
}

// openAEVResult is the openaev profile's undelivered result, as run
// prints it.
type openAEVResult struct {
	InjectID  string `json:"inject_id"`
	Platform  string `json:"platform"`
	Delivered []int  `json:"bodies_delivered"`
	Requests  []struct {
		Method string          `json:"method"`
		Path   string          `json:"path"`
		Body   json.RawMessage `json:"body"`
	} `json:"requests"`
	LeftOut []json.RawMessage `json:"signatures_left_out"`
}

// openAEVDump returns the undelivered result stderr prints.
func openAEVDump(t *testing.T, stderr string) openAEVResult {
	t.Helper()
	_, raw, ok := strings.Cut(stderr, "undelivered result: ")
	raw, _, _ = strings.Cut(raw, "\n")
	var dump openAEVResult
	if err := json.Unmarshal([]byte(raw), &dump); !ok || err != nil {
		t.Fatalf("no undelivered result readable (%v):\n%s", err, testkit.Tail(stderr, 3))
	}
	return dump
}

// jsonEqual reports whether two JSON documents hold the same value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		t.Fatalf("not JSON: %.200s or %.200s", a, b)
	}
	return reflect.DeepEqual(va, vb)
}

// wireTargets returns the signature targets a terminal callback body
// carries in its structured output, decoded, by asset.
func wireTargets(t *testing.T, body []byte, some bool) map[string]any {
	t.Helper()
	var cb struct {
		Structured string `json:"execution_output_structured"`
	}
	var out struct {
		Signatures struct {
			Targets []json.RawMessage `json:"targets"`
		} `json:"expectation_signatures"`
	}
	if err := json.Unmarshal(body, &cb); err != nil || json.Unmarshal([]byte(cb.Structured), &out) != nil {
		t.Fatalf("terminal callback body not readable: %.200s", body)
	}
	targets := decodeTargets(t, out.Signatures.Targets)
	if some && len(targets) == 0 {
		t.Fatalf("the body cut short carries no signature target: %.200s", body)
	}
	return targets
}

// decodeTargets decodes signature targets by their asset.
func decodeTargets(t *testing.T, raws []json.RawMessage) map[string]any {
	t.Helper()
	targets := map[string]any{}
	for _, raw := range raws {
		var v struct {
			Target struct {
				Asset string `json:"asset"`
			} `json:"signature_target"`
		}
		var all any
		if json.Unmarshal(raw, &v) != nil || json.Unmarshal(raw, &all) != nil {
			t.Fatalf("signature target not readable: %s", raw)
		}
		targets[v.Target.Asset] = all
	}
	return targets
}
