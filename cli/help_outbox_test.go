package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// Each command's help of --outbox-max-bytes says what that command does
// at the limit: run exits 2 when the outbox is full before its inject
// runs and sends a result that does not fit without storing it; serve
// refuses less than 1024 at start and pauses its consumption.
func TestHelpOutboxMaxBytesSaysWhatTheCommandDoes(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{"run", []string{"run", "--help"},
			[]string{"full exits 2 before its inject runs", "sent without being stored, with a WARN"},
			[]string{"new injects fail", "pauses"}},
		{"serve", []string{"serve", "--help"},
			[]string{"at least 1024", "refused at start, exit 2", "pauses its consumption until room is freed"},
			[]string{"new injects fail", "sent without being stored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			joined := regexp.MustCompile(`\n +`).ReplaceAllString(r.stdout, " ")
			_, line, ok := strings.Cut(joined, "--outbox-max-bytes value")
			line, _, found := strings.Cut(line, "(env INJECTKIT_OUTBOX_MAX_BYTES)")
			if !ok || !found {
				t.Fatalf("no --outbox-max-bytes in the help:\n%s", r.stdout)
			}
			checkSays(t, "--outbox-max-bytes help", line, tt.want, tt.notWant)
		})
	}
}
