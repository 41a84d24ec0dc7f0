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

// TestSignalDeliveredTwiceIsOneSignal is tester t117's finding 1: GNU
// timeout delivers its signal twice, to the command and then to its whole
// process group, a fraction of a millisecond apart, and a run under
// "timeout 10m injectkit run nmap …" took the repeat for a second signal:
// it exited 130 at once, its signatures lost ("terminated again: exiting
// now"), where a single SIGTERM delivers them as a timeout (exit 3). A
// repeat arriving with the first is now that signal; one sent once the
// notice asking for it was written is the second, and another signal
// arriving with the first is the second at once.
func TestSignalDeliveredTwiceIsOneSignal(t *testing.T) {
	tests := []struct {
		name    string
		first   []os.Signal // sent at once, as timeout does
		later   os.Signal   // sent once the notice was written, or nil
		wantOut bool        // onSignals asked Main to exit at once
	}{
		{name: "timeout's SIGTERM twice", first: []os.Signal{syscall.SIGTERM, syscall.SIGTERM}},
		{name: "timeout -s INT", first: []os.Signal{syscall.SIGINT, syscall.SIGINT}},
		{name: "a repeat sent after the notice", first: []os.Signal{syscall.SIGTERM}, later: syscall.SIGTERM, wantOut: true},
		{name: "timeout's pair, then a second signal", first: []os.Signal{syscall.SIGTERM, syscall.SIGTERM}, later: syscall.SIGINT, wantOut: true},
		{name: "another signal with the first", first: []os.Signal{syscall.SIGTERM, syscall.SIGINT}, wantOut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var stderr bytes.Buffer
				o := Options{Stderr: &stderr, Abort: NewAbort()}
				sigs, exit := make(chan os.Signal, 3), make(chan int, 1)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				go onSignals(o, cancel, sigs, exit)
				for _, s := range tt.first {
					sigs <- s
				}
				time.Sleep(sameSignal)
				synctest.Wait()
				if ctx.Err() == nil {
					t.Fatalf("the first signal did not stop the command gracefully:\n%s", stderr.String())
				}
				if tt.later != nil {
					sigs <- tt.later
				}
				synctest.Wait()
				var code int
				select {
				case code = <-exit:
				default:
				}
				switch {
				case tt.wantOut && code != ExitInterrupted:
					t.Errorf("no exit at once after a second signal (code %d):\n%s", code, stderr.String())
				case !tt.wantOut && code != 0:
					t.Errorf("exit %d at once: one signal delivered twice was taken for a second one:\n%s", code, stderr.String())
				}
				if n := strings.Count(stderr.String(), "stopping gracefully"); n != 1 {
					t.Errorf("%d notices of a graceful stop, want 1:\n%s", n, stderr.String())
				}
				if again := strings.Contains(stderr.String(), "again: exiting now"); again != tt.wantOut {
					t.Errorf("stderr says it exits now: %v, want %v:\n%s", again, tt.wantOut, stderr.String())
				}
				if !tt.wantOut {
					sigs <- syscall.SIGKILL // ends onSignals: a second signal, exiting at once
					<-exit
				}
			})
		})
	}
}
