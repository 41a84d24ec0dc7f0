package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// outbox move's help says when a moved body is tried: a flush at once,
// a running serve's resender at its next pass (it does not watch the
// file), never that the resender tries it at once.
func TestHelpMoveSaysWhenServeTriesIt(t *testing.T) {
	r := run(t, registry(), nil, "outbox", "move", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
	help := regexp.MustCompile(`\s+`).ReplaceAllString(r.stdout, " ")
	if want := "a flush with --backend-url --to sends them at once, a running serve's resender at its next pass, within 5 min"; !strings.Contains(help, want) {
		t.Errorf("outbox move --help does not say %q:\n%s", want, r.stdout)
	}
	if strings.Contains(help, "resender tries the new one at once") {
		t.Errorf("outbox move --help says serve's resender tries a moved body at once:\n%s", r.stdout)
	}
}
