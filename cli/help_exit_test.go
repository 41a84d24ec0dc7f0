package cli_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// The EXIT CODES of a command's help say what the README's exit-code
// table and Deployment section say of it: validate exits 1 when its
// verdict could not be written, outbox flush keeps its code whatever
// becomes of its stdout, and serve answers an inject whose runs ended
// the process openaev.MaxUnfinishedRuns times with its terminal ERROR.
func TestHelpExitCodesSayTheRules(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want *regexp.Regexp // matched in the EXIT CODES section, lines joined
	}{
		{"validate: exit 1, stdout not written", []string{"validate", "--help"},
			regexp.MustCompile(`(^| )1  [^0-9]*stdout not written`)},
		{"outbox flush: its code kept", []string{"outbox", "flush", "--help"},
			regexp.MustCompile(`stdout that could not be written .*changes none of these.* stdout not written`)},
		{"serve: a terminal ERROR after the unfinished runs", []string{"serve", "--help"},
			regexp.MustCompile(`run ends the process .* ended the process ` + strconv.Itoa(openaev.MaxUnfinishedRuns) +
				` times .*not run again: it gets its terminal ERROR`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			_, codes, ok := strings.Cut(r.stdout, "EXIT CODES:\n")
			if r.code != 0 || !ok {
				t.Fatalf("exit %d, no EXIT CODES:\n%s", r.code, r.stdout)
			}
			codes, _, _ = strings.Cut(codes, "\n\n")
			joined := regexp.MustCompile(`\n +`).ReplaceAllString(codes, " ")
			if !tt.want.MatchString(joined) {
				t.Errorf("EXIT CODES do not match %s:\n%s", tt.want, codes)
			}
		})
	}
}
