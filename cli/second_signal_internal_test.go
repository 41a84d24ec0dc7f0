package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// TestServeSecondSignalSaysWhatServeDoes is tester t99's finding 3: a
// second signal to serve said run's line (signatures not yet stored are
// lost), while serve's injects in flight go back to the queue. The line
// says what serve does, with an outbox and without; run's stays.
func TestServeSecondSignalSaysWhatServeDoes(t *testing.T) {
	tests := []struct {
		name    string
		says    string
		want    []string
		notWant string
	}{
		{name: "serve with an outbox", says: serveExitSays(true),
			want:    []string{"terminated again: exiting now; the injects in flight go back to the queue", "stay in the outbox"},
			notWant: "signatures not yet stored are lost"},
		{name: "serve without an outbox", says: serveExitSays(false),
			want:    []string{"terminated again: exiting now; the injects in flight go back to the queue", "--outbox none"},
			notWant: "signatures not yet stored are lost"},
		{name: "run", want: []string{"terminated again: exiting now; nothing more is sent", "signatures not yet stored are lost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			o := Options{Stderr: &stderr, Abort: NewAbort()}
			if tt.says != "" {
				defer o.Abort.ExitSays(tt.says)()
			}
			synctest.Test(t, func(t *testing.T) {
				sigs, exit := make(chan os.Signal, 2), make(chan int, 1)
				_, cancel := context.WithCancel(t.Context())
				defer cancel()
				go onSignals(o, cancel, sigs, exit)
				sigs <- syscall.SIGTERM
				// The second one after the notice, not a repeat of the first:
				// onSignals waits for repeats until its timer (started when it
				// read the first, at this instant) fires, then says the notice
				// and waits for a second. Sent at the instant the timer fires,
				// it could be read as a repeat, and the handler would wait for
				// ever; synctest.Wait lets it settle first.
				synctest.Wait()
				time.Sleep(sameSignal)
				synctest.Wait()
				sigs <- syscall.SIGTERM
				if code := <-exit; code != ExitInterrupted {
					t.Errorf("exit %d, want %d", code, ExitInterrupted)
				}
			})
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
			if tt.notWant != "" && strings.Contains(stderr.String(), tt.notWant) {
				t.Errorf("stderr says %q:\n%s", tt.notWant, stderr.String())
			}
		})
	}
}
