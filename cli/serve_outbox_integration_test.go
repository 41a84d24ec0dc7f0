package cli_test

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// injectkit serve --outbox with the platform refusing an inject's terminal
// callback for a while: the message is acknowledged once the callback is
// stored, and the background resender delivers the same bytes later.
func TestIntegrationServeOutbox(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.AddInject("i-down", openaev.ContractID("noop"))
	p.FailComplete("i-down", http.StatusServiceUnavailable, 4) // every attempt of the first delivery
	box := filepath.Join(t.TempDir(), "outbox.db")

	// The stand-in processes each callback before answering (the legacy
	// ingestion): no window for its 503s.
	stderr, stop := serveQueue(t, p.URL, queue, "--workers", "1", "--outbox", box, "--injectors", "noop",
		"--openaev-ingest-window", "0")
	servetest.Publish(t, queue, noopMessage(t, "i-down", nil))

	waitUntil(t, "the message acknowledged with its callback kept", func() bool {
		return len(jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged")) == 1
	})
	if kept := jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged"); kept[0]["inject_id"] != "i-down" {
		t.Errorf("the kept line names inject %v, want i-down", kept[0]["inject_id"])
	}
	checkOneFailureLine(t, stderr.String(), "i-down", "complete", "terminal callback not delivered; kept in the outbox and acknowledged")
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages back in the queue", ready)
	}
	var final openaevtest.Call
	var failed []openaevtest.Call
	waitUntil(t, "the resender to deliver", func() bool {
		failed = failed[:0]
		for _, c := range p.Calls("i-down") {
			switch {
			case c.Kind != openaevtest.KindComplete:
			case c.Accepted():
				final = c
			default:
				failed = append(failed, c)
			}
		}
		return final.Accepted()
	})
	// The platform records the call before the resender reads its answer:
	// stopping now could cancel the resend it has accepted.
	waitUntil(t, "the resender to settle the body", func() bool {
		return len(jsonLogs(stderr.String(), "outbox body delivered")) == 1
	})
	if len(failed) != 4 || !bytes.Equal(failed[0].Raw, final.Raw) {
		t.Errorf("%d refused attempts; resent bytes identical %v", len(failed), len(failed) > 0 && bytes.Equal(failed[0].Raw, final.Raw))
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, _ := s.Stats(); st.Pending != 0 || st.Dead != 0 {
		t.Errorf("outbox not empty: %+v", st)
	}
	if strings.Contains(stderr.String(), serveToken) {
		t.Error("token leaked to the logs")
	}
}

// injectkit serve --outbox-max-bytes with the platform failing every
// terminal callback (the outside tester's case): every result stays in
// the outbox, and an inject runs only when the outbox can keep its
// result: once it cannot, the message is kept unrun by its worker and
// the daemon pauses. No result is sent unstored, none lost. Once a
// result's size is known, the room a run needs is that size, not 4 KiB:
// the outbox, of room for two one-asset noop results (774 bytes to store
// one, 262 kept once its data was sent), not three, runs two. The first
// run reserves the room of the largest result, its size unknown: the
// second waits unrun, the daemon paused, until the first is kept: its
// worker held meanwhile, or, with --delivery-slots, free (a delivery slot
// holds the first while its complete is retried).
func TestIntegrationServeOutboxRunsOnlyWhatItCanKeep(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	for _, slots := range []string{"0", "1"} {
		t.Run("delivery slots "+slots, func(t *testing.T) { runsOnlyWhatItCanKeep(t, slots) })
	}
}

func runsOnlyWhatItCanKeep(t *testing.T, slots string) {
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	const injects = 20
	for i := range injects {
		id := fmt.Sprintf("j-%05d", i)
		p.AddInject(id, openaev.ContractID("noop"))
		p.FailComplete(id, http.StatusInternalServerError, 1<<20)
	}
	box := filepath.Join(t.TempDir(), "outbox.db")
	stderr, stop := serveQueue(t, p.URL, queue, "--workers", "1", "--outbox", box, "--outbox-max-bytes", "1170",
		"--injectors", "noop", "--delivery-slots", slots)
	for i := range injects {
		servetest.Publish(t, queue, noopMessage(t, fmt.Sprintf("j-%05d", i), nil))
	}
	waitUntil(t, "two results kept, the daemon paused for the full outbox", func() bool {
		return len(jsonLogs(stderr.String(), "inject not run: the outbox has no room for its result; the message is kept and handled again once it has room")) > 0 &&
			len(jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged")) >= 2
	})
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	// A result still retried at the stop is kept by the shutdown.
	kept := len(jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged"))
	// Matched by a part of each line: the first was matched whole, and
	// its text had changed, so the check could not fail.
	for _, part := range []string{
		"the outbox failed to store the inject's result",
		"terminal callback refused and the outbox failed to store it",
	} {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(line, part) {
				t.Errorf("a result found no room after its run: %s", line)
			}
		}
	}
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, _ := s.Stats(); st.Pending != kept || kept < 2 {
		t.Errorf("%d results kept in the outbox, %d logged kept: want every run kept, and the second run (room for its result)", st.Pending, kept)
	}
}

// injectkit serve --outbox stopped (SIGTERM) while an inject's stored
// "complete" is retried, the platform answering 503 (the outside
// tester's case): at --shutdown-timeout the send is cut short, the
// message is acknowledged, not requeued for another daemon to run the
// inject again, and the stored body keeps its attempts and the
// platform's last answer for `outbox list`, whether the cut comes while
// the complete waits for its next attempt or while the requests made
// before that attempt (the search of the inject's stored findings, made
// once an attempt may have been taken: a gateway's 504) are retried:
// then the body kept no attempt and no error. With the default ingestion
// window, a complete answered 504 is not sent again within it: a stop
// then (the inject's status read, the next attempt held back) is
// acknowledged in the shutdown's line all the same, the body keeping the
// 504; the handling that ran out of attempts within it settled the
// message itself (acknowledged, the body kept with the 504, in its own
// line), and the stop that cuts the resend after the window (its search)
// leaves that 504 the body's last answer, not the wait it cut.
func TestIntegrationServeShutdownAcksTheStoredComplete(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	for _, tc := range []struct {
		name     string
		status   int    // the complete's answer
		findings bool   // the findings search fails too
		cutAt    string // the call the stop follows
		window   string // --openaev-ingest-window; "" the default
	}{
		{"during the complete's wait", http.StatusServiceUnavailable, false, openaevtest.KindComplete, ""},
		// The stand-in processes each callback before answering (the
		// legacy ingestion): no window to wait out before the search.
		{"during the findings search's retries", http.StatusGatewayTimeout, true, openaevtest.KindFindings, "0"},
		// A gateway's 504: the complete may have been taken, and is not
		// sent again within the default window (30s).
		{"within the ingestion window", http.StatusGatewayTimeout, false, openaevtest.KindInject, ""},
		// The search comes once the default window has passed (30s, by
		// the clock the test moves): the handling gave up on the complete
		// within it, and acknowledged the message.
		{"during the findings search's retries, the default window", http.StatusGatewayTimeout, true, openaevtest.KindFindings, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			queue := servetest.PlatformQueue(t, p)
			p.AddInject("i-stop", openaev.ContractID("noop"))
			p.FailComplete("i-stop", tc.status, 1<<20)
			if tc.findings {
				p.FailFindings("i-stop", http.StatusServiceUnavailable, 1<<20)
			}
			box := filepath.Join(t.TempDir(), "outbox.db")
			args := []string{"--workers", "1", "--outbox", box, "--injectors", "noop", "--shutdown-timeout", "100ms"}
			if tc.window != "" {
				args = append(args, "--openaev-ingest-window", tc.window)
			}
			// The window's time stands still unless the test moves it:
			// what each case checks holds however long the machine takes.
			clock := newWindowClock()
			stderr, stop := serveQueueAt(t, clock, p.URL, queue, args...)
			servetest.Publish(t, queue, noopMessage(t, "i-stop", nil))
			if tc.findings && tc.window == "" {
				// The handling runs out of attempts within the window and
				// keeps the complete; the resender's search comes once
				// the window has passed.
				waitUntil(t, "the handling to keep the complete", func() bool {
					return len(jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged")) == 1
				})
				if n := len(p.CallsOf(tc.cutAt)); n != 0 {
					t.Fatalf("%d %s calls within the window, want none", n, tc.cutAt)
				}
				clock.Add(openaev.DefaultIngestWindow)
			}
			waitUntil(t, "the "+tc.cutAt+" refused once", func() bool {
				return len(p.CallsOf(tc.cutAt)) > 0
			})
			if code := stop(); code != 0 {
				t.Errorf("exit %d", code)
			}
			if ready, _ := servetest.Counts(t, queue); ready != 0 {
				t.Errorf("%d messages back in the queue, want 0: the result is kept", ready)
			}
			acked := jsonLogs(stderr.String(), "shutdown timeout: acknowledged the unfinished injects whose result is kept for a later delivery")
			kept := jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged")
			switch {
			case tc.findings && tc.window == "":
				// Settled before the stop, by the handling.
				if len(acked) != 0 || len(kept) != 1 || kept[0]["inject_id"] != "i-stop" {
					t.Errorf("shutdown logged %v, the handling %v; want the handling's one line acknowledging i-stop", acked, kept)
				}
			case len(acked) != 1 || fmt.Sprint(acked[0]["inject_ids"]) != "[i-stop]":
				t.Errorf("shutdown logged %v, the handling %v; want the shutdown's one line acknowledging i-stop", acked, kept)
			}
			if n := len(jsonLogs(stderr.String(), "shutdown timeout: requeued the unfinished injects")); n != 0 {
				t.Errorf("%d lines requeue an inject", n)
			}
			s, err := outbox.Open(box, outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			recs, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].InjectID != "i-stop" || recs[0].State != outbox.Pending {
				t.Fatalf("outbox holds %v, want the pending complete of i-stop", recs)
			}
			if r := recs[0]; r.Attempts < 1 || !strings.Contains(r.LastError, strconv.Itoa(tc.status)) || !strings.Contains(r.LastError, "complete") {
				t.Errorf("stored complete: %d attempts, last error %q; want those made and the platform's %d to the complete", r.Attempts, r.LastError, tc.status)
			}
		})
	}
}

// serveQueueAt is serveQueue with the clock of the ingestion window (the
// openaev profile's and the outbox's) at clock: whether a complete was
// sent within the window is told by the time the test sets.
func serveQueueAt(t *testing.T, clock *testkit.Clock, url, queue string, args ...string) (stderr *testkit.Buffer, stop func() int) {
	t.Helper()
	o := cli.WithClock(cli.Options{Registry: serveRegistry()}, clock.Now)
	d := serveOptions(t, o, nil, append([]string{"--openaev-url", url, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", d.stderr)
		}
	})
	waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })
	return d.stderr, func() int { return d.Stop(t) }
}
