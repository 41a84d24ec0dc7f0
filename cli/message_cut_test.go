package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// wordy fails with a message of n bytes.
type wordy struct{ n int }

func (w wordy) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusFailed,
		ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: strings.Repeat("é", w.n/2)}}
}

// An executor's huge message (1 MiB here; a tester's was 30 MiB, 62 MB of
// stderr) is cut in the two log lines that quote it (INFO executed, WARN
// inject failed), each saying how much was cut; a short one is whole.
func TestRunLogCutsAHugeMessage(t *testing.T) {
	tests := []struct {
		name string
		n    int
		cut  string // what each line says was cut, "" for none
	}{
		{"short", 100, ""},
		{"at the limit", runtime.MaxLoggedMessage, ""},
		{"huge", 1 << 20, "… (1040384 bytes cut)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("wordy", func() framework.Executor { return wordy{tt.n} })
			})
			r := run(t, reg, nil, "run", "wordy", "--target", "127.0.0.1", "--log-format", "json")
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			quoting := 0
			for _, l := range lines {
				if !strings.Contains(l, `"error":"éé`) {
					continue
				}
				quoting++
				if len(l) > runtime.MaxLoggedMessage+1024 {
					t.Errorf("a log line of %d bytes: %.200s…", len(l), l)
				}
				if tt.cut != "" && !strings.Contains(l, tt.cut) {
					t.Errorf("line does not say %q: …%s", tt.cut, l[max(0, len(l)-300):])
				}
				if tt.cut == "" && (strings.Contains(l, "bytes cut") || !strings.Contains(l, strings.Repeat("é", tt.n/2)+`"`)) {
					t.Errorf("a message of %d bytes is not whole: …%s", tt.n, l[max(0, len(l)-300):])
				}
			}
			if quoting != 2 {
				t.Errorf("%d log lines quote the message, want 2 (executed, inject failed):\n%.2000s", quoting, r.stderr)
			}
		})
	}
}

// cutToken is the backend token of TestRunLogRedactsBeforeTheCut.
const cutToken = "TokenAcrossTheCut0123456789"

// A secret the log writer redacts (the backend token here) standing across
// the cut of a huge message is redacted before the cut, in both lines that
// quote it: none of its bytes shows, where the writer, redacting the line
// already cut, found no whole token and let all but its last bytes
// through.
func TestRunLogRedactsBeforeTheCut(t *testing.T) {
	for _, before := range []int{1, len(cutToken) / 2, len(cutToken) - 1} { // of the token's bytes before the cut
		t.Run(fmt.Sprint(before), func(t *testing.T) {
			msg := strings.Repeat("x", runtime.MaxLoggedMessage-before) + cutToken + strings.Repeat("y", 100)
			reg := registry(func(r *framework.Registry) {
				r.Register("wordy", func() framework.Executor { return messaging{msg} })
			})
			be := newBackend(t, http.StatusOK)
			r := run(t, reg, nil, "run", "wordy", "--target", "127.0.0.1", "--log-format", "json",
				"--inject-id", "inj-cut", "--backend-url", be.URL, "--token", cutToken, "--outbox", "none")
			quoting := 0
			for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
				if !strings.Contains(l, `"error":"xxx`) {
					continue
				}
				quoting++
				if strings.Contains(l, cutToken[:before]+"…") {
					t.Errorf("the line shows %q of the token: …%s", cutToken[:before], l[max(0, len(l)-200):])
				}
			}
			if quoting != 2 {
				t.Errorf("%d log lines quote the message, want 2 (executed, inject failed):\n%.2000s", quoting, r.stderr)
			}
		})
	}
}

// messaging fails with its message.
type messaging struct{ msg string }

func (m messaging) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: m.msg}}
}
