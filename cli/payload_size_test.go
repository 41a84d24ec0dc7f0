package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A --max-payload-size too small for an inject's signatures is refused
// with the least size that holds them, one the user can give as it is:
// at that size the inject is valid, one byte less it is refused again,
// suggesting the same size, whatever the targets and the profile.
func TestMaxPayloadSizeRefusalSuggestsTheLeastThatWorks(t *testing.T) {
	suggestion := regexp.MustCompile(`its signatures(?:, with room for the execution_duration of a run lasting up to its timeout of \w+ \(--timeout\),)? ` +
		`fit in no body of at most (\d+) bytes \(--max-payload-size\); ` +
		`this inject needs at least (\d+) bytes: give --max-payload-size (\d+) or more`)
	long := strings.Repeat("h", 60) + ".example.com"
	tests := []struct {
		name string
		args []string
	}{
		{"one target", []string{"--target", "10.0.0.1", "--max-payload-size", "500"}},
		{"three targets", []string{"--target", "10.0.0.1", "--target", "10.0.0.2", "--target", "10.0.0.3", "--max-payload-size", "500"}},
		{"the second target the largest", []string{"--target", "10.0.0.1", "--target", long, "--max-payload-size", "500"}},
		{"a range", []string{"--target", "10.0.0.0/28", "--max-payload-size", "300"}},
		{"openaev profile", []string{"--profile", "openaev", "--inject-file", writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"10.0.0.1","asset":"`+strings.Repeat("a", 3000)+`"}]}`),
			"--max-payload-size", "1024"}},
	}
	validate := func(t *testing.T, args []string, size int) result {
		t.Helper()
		args = append(append([]string{"validate", "noop", "--log-level", "error"}, args...), "--max-payload-size", strconv.Itoa(size))
		return run(t, registry(), nil, args...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, append([]string{"validate", "noop", "--log-level", "error"}, tt.args...)...)
			m := suggestion.FindStringSubmatch(r.stderr)
			if r.code != 2 || m == nil {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 suggesting a size", r.code, r.stderr)
			}
			given, _ := strconv.Atoi(m[1])
			least, _ := strconv.Atoi(m[2])
			if m[3] != m[2] || least <= given {
				t.Fatalf("refused at %d bytes, needing %s, suggesting %s: want a suggestion above the size given", given, m[2], m[3])
			}
			if r := validate(t, tt.args, least); r.code != 0 {
				t.Errorf("at the size suggested, %d: exit %d\n%s", least, r.code, r.stderr)
			}
			r = validate(t, tt.args, least-1)
			if m := suggestion.FindStringSubmatch(r.stderr); r.code != 2 || m == nil || m[3] != strconv.Itoa(least) {
				t.Errorf("one byte less, %d: exit %d, want 2 suggesting %d again\n%s", least-1, r.code, least, r.stderr)
			}
		})
	}
}

// The openaev profile's size check keeps room in the body for the
// execution_duration of a run lasting its whole timeout, and its refusal
// says so, naming the timeout and its flag (a run ending sooner may send
// the signatures in a body of the size refused): the least size it
// suggests grows with the timeout. The callback profile's bodies hold no
// duration, and its refusal names none.
func TestOpenAEVSizeRefusalNamesTheTimeout(t *testing.T) {
	inject := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"10.0.0.1","asset":"`+strings.Repeat("a", 1000)+`"}]}`)
	need := regexp.MustCompile(`this inject needs at least (\d+) bytes`)
	tests := []struct {
		name, profile string
		timeout       []string
		want          string
	}{
		{"openaev, default timeout", "openaev", nil,
			`its signatures, with room for the execution_duration of a run lasting up to its timeout of 10m0s (--timeout), fit in no body of at most 1024 bytes (--max-payload-size)`},
		{"openaev, --timeout 5s", "openaev", []string{"--timeout", "5s"},
			`its signatures, with room for the execution_duration of a run lasting up to its timeout of 5s (--timeout), fit in no body of at most 1024 bytes (--max-payload-size)`},
		{"callback", "callback", nil, `its signatures fit in no body of at most 1024 bytes (--max-payload-size)`},
	}
	needs := map[string]int{}
	for _, tt := range tests {
		args := append([]string{"validate", "noop", "--log-level", "error", "--profile", tt.profile, "--inject-file", inject,
			"--max-payload-size", "1024"}, tt.timeout...)
		r := run(t, registry(), nil, args...)
		checkRefused(t, r, tt.want)
		if m := need.FindStringSubmatch(r.stderr); m != nil {
			needs[tt.name], _ = strconv.Atoi(m[1])
		}
	}
	if short, long := needs["openaev, --timeout 5s"], needs["openaev, default timeout"]; short == 0 || short >= long {
		t.Errorf("least size with a 5s timeout %d, with 10m0s %d: want less room needed for the shorter duration", short, long)
	}
}

// A target whose extra signatures outgrow every body once the injector
// ran costs the run neither its other targets nor that target's other
// signatures: delivered, the run exits 0 with a WARN naming the target
// and its size; not delivered (--outbox none), what stderr prints is what
// the wire would carry, never the oversize value.
func TestRunOversizeExtra(t *testing.T) {
	big := strings.Repeat("A", 64<<10)
	reg := framework.NewRegistry()
	reg.Register("big", func() framework.Executor {
		return &frameworktest.Executor{Output: framework.ToolOutput{
			TargetExtras: map[framework.Target]framework.TypeExtras{{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}: {
				framework.Detection: {"process_name": big}}}}}
	})
	tests := []struct {
		name   string
		status int
		args   []string
		code   int
	}{
		{"delivered", http.StatusOK, nil, 0},
		{"refused, no outbox", http.StatusBadRequest, []string{"--outbox", "none"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, tt.status)
			args := append([]string{"run", "big", "--inject-id", "big2", "--target", "127.0.0.1", "--target", "127.0.0.2",
				"--max-payload-size", "4096", "--backend-url", be.URL}, tt.args...)
			r := run(t, reg, nil, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, tt.code, r.stderr)
			}
			if strings.Contains(r.stderr, big[:4096]) {
				t.Errorf("stderr (%d bytes) quotes the oversize value", len(r.stderr))
			}
			if !strings.Contains(r.stderr, "extra signatures left out to fit the max payload size") ||
				!strings.Contains(r.stderr, `targets[0] \"127.0.0.1\": 66`) || !strings.Contains(r.stderr, " bytes; sent without process_name") {
				t.Errorf("no WARN naming the target and its size:\n%s", r.stderr)
			}
			var sent []string // the targets of the bodies posted, or printed undelivered
			if tt.code == 0 {
				for _, req := range be.Requests() {
					sent = append(sent, targetsOf(t, req.Body)...)
				}
			} else {
				_, dump, ok := strings.Cut(r.stderr, "undelivered signatures: ")
				if !ok {
					t.Fatalf("no undelivered signatures:\n%s", r.stderr)
				}
				dump, _, _ = strings.Cut(dump, "\n")
				sent = targetsOf(t, []byte(dump))
			}
			if strings.Join(sent, ",") != "127.0.0.1,127.0.0.2" {
				t.Errorf("targets sent or printed: %v, want both", sent)
			}
		})
	}
}

// targetsOf returns the target_ipv4 of each target of a callback body
// (or of the undelivered signatures printed).
func targetsOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var out []string
	for _, tg := range transporttest.ParseBody(t, raw).ExpectationSignature.Targets {
		for _, v := range tg.SignatureValues[0].Values {
			if v.SignatureType == "target_ipv4" {
				out = append(out, v.SignatureValue.(string))
			}
		}
	}
	return out
}

// A timed-out run whose partial results make its target too large for a
// body has them cut to fit --max-payload-size: the target's own partial
// results end with a line saying how many were left out, and the run logs
// one WARN saying so (the inject, how many, the limit), whether the bodies
// are printed, posted through the outbox or without one, or posted and
// echoed on stdout.
func TestRunLogsPartialResultsCutToFit(t *testing.T) {
	const partials, limit = 300, 4096
	const warn = "partial results left out to fit the max payload size"
	tests := []struct {
		name    string
		backend bool
		args    []string
	}{
		{"printed", false, nil},
		{"posted through the outbox", true, nil},
		{"posted without an outbox", true, []string{"--outbox", "none"}},
		{"posted and echoed", true, []string{"--output", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reg := withExecutor("scan", func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
				for i := range partials {
					in.Partial(fmt.Sprintf("127.0.0.1:%d/tcp open", 1000+i))
				}
				cancel() // Ctrl-C, once running: a timeout
				<-ctx.Done()
				return framework.ToolOutput{}
			})
			args := append([]string{"run", "scan", "--inject-id", "x", "--target", "127.0.0.1", "--log-format", "json",
				"--max-payload-size", strconv.Itoa(limit)}, tt.args...)
			var b *backend
			if tt.backend {
				b = newBackend(t, http.StatusOK)
				args = append(args, "--backend-url", b.URL, "--token", "t")
			}
			s := newSession(false, false)
			s.ctx = ctx
			r := s.run(t, reg, args...)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
			}
			bodies := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if b != nil {
				bodies = nil
				for _, req := range b.Requests() {
					bodies = append(bodies, string(req.Body))
				}
			}
			kept, said := sentPartials(t, bodies)
			warns := jsonLogs(r.stderr, warn)
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines %q, want 1; stderr:\n%s", len(warns), warn, r.stderr)
			}
			w := warns[0]
			if w["level"] != "warn" || w["inject_id"] != "x" || w["max_payload_size"] != float64(limit) || w["targets"] != float64(1) {
				t.Errorf("WARN %v, want level warn, inject_id x, max_payload_size %d, targets 1", w, limit)
			}
			// The count logged is the count the target's partial results
			// say were left out, and those sent and those left out are all.
			if left := w["partial_results_left_out"]; left != float64(said) || said+kept != partials || kept == partials {
				t.Errorf("logged %v left out; the body keeps %d and says %d more left out, of %d", left, kept, said, partials)
			}
		})
	}
}

var leftOutLine = regexp.MustCompile(`^… (\d+) more left out \(body size limit\)$`)

// sentPartials returns how many partial results the bodies' DETECTION
// group of their one target kept, and how many its last line says were
// left out.
func sentPartials(t *testing.T, bodies []string) (kept, leftOut int) {
	t.Helper()
	for _, raw := range bodies {
		var body map[string]any
		if err := json.Unmarshal([]byte(raw), &body); err != nil {
			t.Fatalf("body %q: %v", raw, err)
		}
		v, ok := bodyValues(t, body, 0)["partial_results"].([]any)
		if !ok {
			continue
		}
		for _, line := range v {
			if m := leftOutLine.FindStringSubmatch(fmt.Sprint(line)); m != nil {
				leftOut, _ = strconv.Atoi(m[1])
				continue
			}
			kept++
		}
		return kept, leftOut
	}
	t.Fatalf("no body carries partial results: %q", bodies)
	return 0, 0
}

// A timed-out run of two targets whose partial results make each too
// large for a body of a chunked payload, though not for a body of its
// own, has them cut to fit: whatever the --max-payload-size, the run
// exits 3 and every target reaches the platform in bodies under the limit.
func TestRunCutsPartialResultsToFitChunkedBodies(t *testing.T) {
	targets := []string{"10.0.0.1", "10.0.0.2"}
	for limit := 600; limit <= 700; limit++ {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reg := withExecutor("scan", func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
				for _, ip := range targets {
					in.Partial(ip + " pending")
				}
				cancel() // Ctrl-C, once running: a timeout
				<-ctx.Done()
				return framework.ToolOutput{}
			})
			b := newBackend(t, http.StatusOK)
			s := newSession(false, false)
			s.ctx = ctx
			r := s.run(t, reg, "run", "scan", "--inject-id", "x", "--target", targets[0], "--target", targets[1],
				"--max-payload-size", strconv.Itoa(limit), "--backend-url", b.URL, "--token", "t")
			if r.code != 3 {
				t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
			}
			var got []string
			for _, req := range b.Requests() {
				if len(req.Body) > limit {
					t.Errorf("body of %d bytes, over the limit %d", len(req.Body), limit)
				}
				var body map[string]any
				if err := json.Unmarshal(req.Body, &body); err != nil {
					t.Fatalf("body %q: %v", req.Body, err)
				}
				for i := range body["expectation_signature"].(map[string]any)["targets"].([]any) {
					got = append(got, fmt.Sprint(bodyValues(t, body, i)["target_ipv4"]))
				}
			}
			if strings.Join(got, " ") != strings.Join(targets, " ") {
				t.Errorf("targets delivered %q, want %q; stderr:\n%s", got, targets, r.stderr)
			}
		})
	}
}
