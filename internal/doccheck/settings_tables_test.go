package doccheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// tableCommands are the commands whose settings each README table of
// settings lists, by the heading of the section holding it.
var tableCommands = map[string][]string{
	"### Configuration":                {"run", "validate"},
	"### Outbox: no signature is lost": {"outbox list", "outbox flush", "outbox drop", "outbox compact", "outbox retry-dead", "outbox move"},
	"## Deployment":                    {"serve"},
}

// settingsTable is one README table of settings: the heading of its
// section, the line of its header, and its rows.
type settingsTable struct {
	heading string
	line    int
	rows    []settingsRow
}

// settingsRow is one row of a table of settings: its flag, variable,
// config key and default, the first code span of each cell, and whether
// the default cell starts with it.
type settingsRow struct {
	line           int
	flag, env, key string
	names          []string // the flag's names: --output, -o
	dflt           string
	dfltLeads      bool
}

// settingsTables returns the tables of settings of md, each with the
// heading of the section it is in (a "#" line of a code block is none).
func settingsTables(md string) []settingsTable {
	var tables []settingsTable
	heading, inBlock := "", false
	lines := strings.Split(md, "\n")
	for n := 0; n < len(lines); n++ {
		line := lines[n]
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			continue
		}
		if strings.HasPrefix(line, "#") {
			heading = line
			continue
		}
		if !strings.HasPrefix(line, settingsHeader) {
			continue
		}
		tb := settingsTable{heading: heading, line: n + 1}
		for n += 2; n < len(lines) && strings.HasPrefix(lines[n], "|"); n++ {
			cells := strings.Split(lines[n], "|")
			if len(cells) < 6 {
				continue
			}
			first := func(cell string) string {
				if m := codeSpan.FindStringSubmatch(cell); m != nil {
					return m[1]
				}
				return ""
			}
			dflt := strings.Join(cells[4:len(cells)-1], "|")
			var names []string
			for _, m := range codeSpan.FindAllStringSubmatch(cells[1], -1) {
				name, _, _ := strings.Cut(m[1], " ") // `--param key=value`
				names = append(names, name)
			}
			if len(names) == 0 {
				names = []string{""}
			}
			tb.rows = append(tb.rows, settingsRow{line: n + 1, flag: names[0], names: names, env: first(cells[2]), key: first(cells[3]),
				dflt: first(dflt), dfltLeads: strings.HasPrefix(strings.TrimSpace(dflt), "`")})
		}
		n--
		tables = append(tables, tb)
	}
	return tables
}

// helpEnv and helpDefault read a --help option's variable and default.
var (
	helpEnv     = regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`)
	helpDefault = regexp.MustCompile(`\(default: ([^)]*)\)$`)
)

// tableErrors checks a table of settings against the --help of the
// commands it is the table of: each row's flag is an option of one of
// them, with the row's variable, which is the config key's name in
// upper case after INJECTKIT_, and with the row's default when the help
// gives one and the row's default starts with a value; and each option
// of every one of them has its row.
func tableErrors(tb settingsTable, commands []string, helps map[string]string) []error {
	var errs []error
	at := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("README.md:%d: %s", line, fmt.Sprintf(format, args...)))
	}
	rowed := map[string]bool{}
	for _, r := range tb.rows {
		for _, name := range r.names {
			rowed[name] = true
		}
		if r.key != "" && r.env != "INJECTKIT_"+strings.ToUpper(r.key) {
			at(r.line, "%s: the variable %s is not the config key %s's (INJECTKIT_%s)", r.flag, r.env, r.key, strings.ToUpper(r.key))
		}
		found := false
		for _, c := range commands {
			text, ok := helpOptions(helps[c])[r.flag]
			if !ok {
				continue
			}
			found = true
			env := ""
			if m := helpEnv.FindStringSubmatch(text); m != nil {
				env = m[1]
			}
			if env != r.env {
				at(r.line, "%s: the table gives the variable %q, injectkit %s --help %q", r.flag, r.env, c, env)
			}
			if m := helpDefault.FindStringSubmatch(text); m != nil && r.dfltLeads && m[1] != r.dflt {
				at(r.line, "%s: the table's default is %q, injectkit %s --help says %q", r.flag, r.dflt, c, m[1])
			}
		}
		if !found {
			at(r.line, "%s: no option of injectkit %s (their --help lists none)", r.flag, strings.Join(commands, ", injectkit "))
		}
	}
	for _, c := range commands {
		opts := helpOptions(helps[c])
		var missing []string
		for name := range opts {
			if !rowed[name] && name != "--help" && name != "-h" {
				missing = append(missing, name)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			at(tb.line, "the table of settings of %s has no row for injectkit %s's %s", tb.heading, c, strings.Join(missing, ", "))
		}
	}
	return errs
}

// TestSettingsTablesAgreeWithHelp checks each README table of settings
// (run's, the outbox commands', serve's) against the --help of its
// commands, both ways: every row's flag is theirs, with the variable
// and the default their --help gives, and every option they list has its
// row, so that a flag added, renamed or given another default or
// variable cannot leave the table a reader configures from behind.
func TestSettingsTablesAgreeWithHelp(t *testing.T) {
	helps := commandHelps(t)
	tables := settingsTables(string(readRepoFile(t, repoRoot(t), "README.md")))
	if len(tables) != len(tableCommands) {
		t.Errorf("README.md has %d tables of settings (%s), want one under each of %d headings", len(tables), settingsHeader, len(tableCommands))
	}
	rows := 0
	for _, tb := range tables {
		commands, ok := tableCommands[tb.heading]
		if !ok {
			t.Errorf("README.md:%d: a table of settings under %q, no heading of tableCommands: say whose settings it lists", tb.line, tb.heading)
			continue
		}
		rows += len(tb.rows)
		for _, err := range tableErrors(tb, commands, helps) {
			t.Error(err)
		}
	}
	if rows < 60 {
		t.Fatalf("README.md's tables of settings have %d rows: the reading broke", rows)
	}
	t.Logf("%d tables of settings, %d rows", len(tables), rows)
}

// TestSettingsTablesAgreeWithHelpFails proves the table check fails where
// it must.
func TestSettingsTablesAgreeWithHelpFails(t *testing.T) {
	helps := map[string]string{"serve": "OPTIONS:\n" +
		"   --workers value      injects at once (env INJECTKIT_WORKERS) (default: 4)\n" +
		"   --timeout value      deadline (env INJECTKIT_TIMEOUT) (default: 10m)\n" +
		"   --tenant value       tenant (env INJECTKIT_TENANT)\n" +
		"   --output value, -o value  format (env INJECTKIT_OUTPUT)\n" +
		"   --help, -h           show help\n"}
	md := "## Deployment\n\n```sh\n# not a heading\n```\n\n" + settingsHeader + " default |\n| --- | --- | --- | --- |\n" +
		"| `--workers` | `INJECTKIT_WORKERS` | `workers` | `8`, from 1 |\n" +
		"| `--timeout` | `INJECTKIT_DEADLINE` | `timeout` | as run's: `10m` |\n" +
		"| `--output`, `-o` | `INJECTKIT_OUTPUT` | `output` | `text` |\n" +
		"| `--idle` | `INJECTKIT_IDLE` | `idle_for` | none |\n\nafter\n"
	tables := settingsTables(md)
	if len(tables) != 1 || tables[0].heading != "## Deployment" || len(tables[0].rows) != 4 {
		t.Fatalf("read %+v", tables)
	}
	var got []string
	for _, err := range tableErrors(tables[0], []string{"serve"}, helps) {
		got = append(got, err.Error())
	}
	want := []string{
		`README.md:9: --workers: the table's default is "8", injectkit serve --help says "4"`,
		`README.md:10: --timeout: the variable INJECTKIT_DEADLINE is not the config key timeout's (INJECTKIT_TIMEOUT)`,
		`README.md:10: --timeout: the table gives the variable "INJECTKIT_DEADLINE", injectkit serve --help "INJECTKIT_TIMEOUT"`,
		`README.md:12: --idle: the variable INJECTKIT_IDLE is not the config key idle_for's (INJECTKIT_IDLE_FOR)`,
		`README.md:12: --idle: no option of injectkit serve (their --help lists none)`,
		`README.md:7: the table of settings of ## Deployment has no row for injectkit serve's --tenant`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
