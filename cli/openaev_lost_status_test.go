package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRunLostCompleteStatusUnreadable is tester t83's finding 2 through
// the CLI: the platform takes the run's "complete" but its answer is lost,
// and the inject's status, which would show it taken, cannot be read (a
// 503 every time). The run does not post the complete again: it keeps it
// in the outbox and exits 1 with the flush hint. The flush, once the
// status reads, finds it taken by its run mark and counts it delivered,
// sending nothing: the platform holds one complete, as the README's Outbox
// section promises.
func TestRunLostCompleteStatusUnreadable(t *testing.T) {
	t.Parallel()
	const id = "inj-d4"
	p := noopPlatform(t, id)
	env, box := outboxEnv(t)
	p.LoseCompleteAnswer(id, http.StatusBadGateway, 1)
	p.FailInjectRead(id, http.StatusServiceUnavailable, 99)
	checkKept(t, run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", p.URL, "--log-level", "error"), box)
	completes := func() int {
		n := 0
		for _, c := range p.Calls(id) {
			if c.Kind == openaevtest.KindComplete {
				n++
			}
		}
		return n
	}
	if n := completes(); n != 1 {
		t.Errorf("%d completes posted by the run, want 1 (its answer lost, the status unreadable)", n)
	}
	p.FailInjectRead(id, 0, 0) // the status reads again
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL)
	if f.code != 0 || !strings.Contains(f.stdout, "1 delivered, 0 still pending") {
		t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	if n := completes(); n != 1 {
		t.Errorf("%d completes after the flush, want 1: the platform shows it took the run's", n)
	}
	if st := p.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject %s, want a final status", st)
	}
	if strings.Contains(f.stderr, "WARN") {
		t.Errorf("flush warned:\n%s", f.stderr)
	}
	wantOutboxEmpty(t, registry(), env, "after the flush")
}

// r13 finding 1: the platform answers the run's first "complete" with a
// 503 (or 429) before processing anything: not taken. The inject's
// status, or its stored findings, cannot be read for a while (a 503 every
// time), but no attempt can be on the platform: the complete is retried
// and processed, the inject finished, exit 0, also with --outbox none,
// which has nowhere to keep it.
func TestRunCompleteNotTakenRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int  // the first complete's answer
		findings bool // the stored findings, not the status, unreadable
	}{
		{"answered 503, status unreadable", http.StatusServiceUnavailable, false},
		{"answered 429, status unreadable", http.StatusTooManyRequests, false},
		{"answered 503, findings unreadable", http.StatusServiceUnavailable, true},
	}
	for _, tt := range tests {
		for _, outbox := range []string{"default", "none"} {
			t.Run(tt.name+", outbox "+outbox, func(t *testing.T) {
				t.Parallel()
				const id = "inj-503"
				p := noopPlatform(t, id)
				env, _ := outboxEnv(t)
				p.FailComplete(id, tt.status, 1)
				if tt.findings {
					p.FailFindings(id, http.StatusServiceUnavailable, 1<<20)
				} else {
					p.FailInjectRead(id, http.StatusServiceUnavailable, 1<<20)
				}
				args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
					"--backend-url", p.URL, "--log-level", "error"}
				if outbox == "none" {
					args = append(args, "--outbox", outbox)
				}
				r := run(t, registry(), env, args...)
				if r.code != 0 {
					t.Fatalf("exit %d, want 0: the complete retried\n%s", r.code, r.stderr)
				}
				if n := len(p.Completions(id)); n != 1 {
					t.Errorf("%d completes processed, want 1", n)
				}
				if st := p.InjectStatus(id); !openaev.Finished(st) {
					t.Errorf("inject %s, want a final status", st)
				}
				if outbox == "default" {
					wantOutboxEmpty(t, registry(), env, "after the run")
				}
			})
		}
	}
}
