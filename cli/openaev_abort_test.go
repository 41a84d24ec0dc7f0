package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A second interrupt while `run --profile openaev --outbox none` posts
// its terminal callback is held by the send, as with the callback
// profile: the POST is cut short, the run exits 130 saying the sending
// stopped and which callback bodies were not sent, and prints the
// undelivered signatures. Nothing held it: main exited at once, saying
// the bodies not delivered stayed in an outbox there was none of.
func TestRunOpenAEVSecondInterruptWithoutOutbox(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		action  string // the body the second interrupt comes during
		targets int    // 1: one body; 32: several
		want    string // which is cut short
	}{
		{"one body", "complete", 1, "terminal callback (complete): "},
		{"complete of several", "complete", 32, "terminal callback (complete): "},
		{"data of several", "data", 32, "terminal callback (data): "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			id := "inj-abort-" + strconv.Itoa(tc.targets) + tc.action
			p.AddInject(id, openaev.ContractID("noop"))
			targets := make([]string, tc.targets)
			for i := range targets {
				targets[i] = fmt.Sprintf(`{"value":"10.0.0.%d","asset":"asset-%d"}`, i+1, i)
			}
			inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"`+id+`","targets":[`+strings.Join(targets, ",")+`]}`)
			abort := cli.NewAbort()
			var fired, held atomic.Bool
			var posted atomic.Int32 // terminal callback bodies passed on
			proxy := httputil.NewSingleHostReverseProxy(mustURL(t, p.URL))
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				if bytes.Contains(body, []byte(`"execution_action":"`+tc.action+`"`)) && !fired.Swap(true) && abort.Fire() {
					// The second Ctrl-C, as main hands it over, held by a send.
					held.Store(true)
					<-r.Context().Done() // the run cuts its POST short
					return
				}
				if bytes.Contains(body, []byte(`"execution_action":"complete"`)) || bytes.Contains(body, []byte(`"execution_action":"data"`)) {
					posted.Add(1)
				}
				proxy.ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			env := map[string]string{"INJECTKIT_OUTBOX": "none", "INJECTKIT_TOKEN": platformToken}
			r := runWith(t, cli.Options{Registry: registry(), Abort: abort}, env, "run", "--inject-file", inject,
				"--profile", "openaev", "--backend-url", front.URL, "--max-payload-size", "2048", "--log-level", "error")
			if !held.Load() {
				t.Fatalf("no send held the abort: main exits at once; exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if r.code != cli.ExitInterrupted {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitInterrupted, r.stderr)
			}
			for _, want := range []string{"injectkit: sending stopped by a second interrupt: ", tc.want,
				`undelivered signatures: {"expectation_signature":`} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			m := regexp.MustCompile(`\(terminal callback bodies (\d+)-(\d+) of (\d+) not sent\)`).FindStringSubmatch(r.stderr)
			if tc.targets == 1 {
				if m != nil {
					t.Errorf("one body, yet stderr counts bodies:\n%s", testkit.Tail(r.stderr, 1))
				}
				return
			}
			if m == nil {
				t.Fatalf("stderr does not name the bodies not sent:\n%s", testkit.Tail(r.stderr, 1))
			}
			first, _ := strconv.Atoi(m[1])
			last, _ := strconv.Atoi(m[2])
			total, _ := strconv.Atoi(m[3])
			if sent := int(posted.Load()); total < 2 || first != sent || last != total-1 {
				t.Errorf("stderr says bodies %d-%d of %d not sent; %d were sent", first, last, total, sent)
			}
		})
	}
}
