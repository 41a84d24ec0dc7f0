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
)

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
