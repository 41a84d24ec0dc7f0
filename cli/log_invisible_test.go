package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// A value the user gave reached the log lines with its Unicode format
// characters as they were: `run noop --inject-id $'a\u202eb'` was
// refused, its error line escaping the character, but the WARN `inject
// rejected` line before it carried U+202E (right-to-left override) raw,
// which a terminal or a log viewer renders by reversing what follows it.
// Every log line now writes a format character, a line or a paragraph
// separator as a JSON escape (\u202e), in both log formats; a JSON line
// still decodes to the value given.
func TestLogLinesEscapeFormatCharacters(t *testing.T) {
	const id = "inj\u202ekcatta\u2066x\u2028y"
	for _, format := range []string{"console", "json"} {
		t.Run(format, func(t *testing.T) {
			r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--inject-id", id, "--log-format", format)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			if strings.ContainsAny(r.stderr, "\u202e\u2066\u2028") {
				t.Errorf("stderr holds a format character raw:\n%q", r.stderr)
			}
			var line string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.Contains(l, "inject rejected") {
					line = l
				}
			}
			if !strings.Contains(line, `inj\u202ekcatta\u2066x\u2028y`) {
				t.Fatalf("no WARN line naming the inject id escaped:\n%s", r.stderr)
			}
			if format != "json" {
				return
			}
			var got struct {
				InjectID string `json:"inject_id"`
			}
			if err := json.Unmarshal([]byte(line), &got); err != nil || got.InjectID != id {
				t.Errorf("the JSON line decodes to %q (%v), want %q", got.InjectID, err, id)
			}
		})
	}
}
