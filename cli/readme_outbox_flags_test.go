package cli

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

var (
	// commandList is a default cell's list of the outbox commands that
	// take its flag: "(`flush`, `retry-dead`)", or its first part before
	// a semicolon, "(`flush`, `retry-dead`; …)".
	commandList = regexp.MustCompile("\\((`[a-z-]+`(?:, `[a-z-]+`)*)[;)]")
	// commandOnly is a default cell naming the one command that takes its
	// flag: "none: `move` only".
	commandOnly = regexp.MustCompile("`([a-z-]+)` only\\b")
)

// The outbox commands share one flag table in the README. A flag that not
// every one of them takes says which do, in its default cell, as a list in
// parentheses ("(`flush`, `retry-dead`)") or as "`move` only", and names
// exactly the commands whose --help shows it; a row naming none is a flag
// of every outbox command (tester t169 read `(list)` for -o, which
// `outbox move` takes too).
func TestREADMEOutboxTableNamesItsCommands(t *testing.T) {
	var all []string
	takes := map[string][]string{}
	for _, c := range outboxCommand(Options{Registry: framework.NewRegistry()}).Subcommands {
		if c.Name == "help" {
			continue
		}
		all = append(all, c.Name)
		for _, f := range c.Flags {
			takes["--"+f.Names()[0]] = append(takes["--"+f.Names()[0]], c.Name)
		}
	}
	slices.Sort(all)
	rows := readmeFlagTables(t)["Outbox: no signature is lost"]
	if len(rows) == 0 {
		t.Fatal("README.md: no flag table under Outbox: no signature is lost")
	}
	for _, r := range rows {
		named := all
		if m := commandList.FindStringSubmatch(r.cell); m != nil {
			named = nil
			for _, c := range strings.Split(m[1], ", ") {
				named = append(named, strings.Trim(c, "`"))
			}
		} else if m := commandOnly.FindStringSubmatch(r.cell); m != nil {
			named = []string{m[1]}
		}
		named = slices.Sorted(slices.Values(named))
		got := slices.Sorted(slices.Values(takes[r.flag]))
		if !slices.Equal(named, got) {
			t.Errorf("README.md:%d: %s: the row names the commands %v, the flag is one of %v", r.line, r.flag, named, got)
		}
	}
}
