package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
)

// readmeRow is one row of a flag table of the README: | flag | env | config key | default |.
type readmeRow struct {
	line           int
	flag, env, key string
	// cell is the default cell as written, trimmed.
	cell string
	// def is the default cell's value when the cell starts with one
	// (`30s`, `4`, `text` (a summary) …), else "": a cell that starts
	// with words (required, none, system roots) or says what a value does
	// (`-` reads stdin) names no default to check.
	def string
}

var (
	backticked = regexp.MustCompile("`([^`]*)`")
	// defaultCell reads the value a default cell starts with, followed by
	// its end or by what qualifies it.
	defaultCell = regexp.MustCompile("^`([^`]+)`(?:$|[;:,]| \\(| or )")
)

// readmeFlagTables returns the rows of the README's flag tables by the
// heading they stand under.
func readmeFlagTables(t *testing.T) map[string][]readmeRow {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables := map[string][]readmeRow{}
	heading, inTable := "", false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			heading, inTable = strings.TrimSpace(strings.TrimLeft(line, "#")), false
		case line == "| flag | env | config key | default |":
			inTable = true
		case inTable && strings.HasPrefix(line, "| ---"):
		case inTable && strings.HasPrefix(line, "|"):
			cells := strings.Split(line, "|")
			if len(cells) < 5 {
				t.Fatalf("README.md:%d: want 4 cells: %s", n, line)
			}
			first := func(cell string) string {
				if m := backticked.FindStringSubmatch(cell); m != nil {
					return m[1]
				}
				return ""
			}
			flag, _, _ := strings.Cut(first(cells[1]), " ") // `--param key=value`
			row := readmeRow{line: n, flag: flag, env: first(cells[2]), key: first(cells[3]), cell: strings.TrimSpace(cells[4])}
			if m := defaultCell.FindStringSubmatch(strings.TrimSpace(cells[4])); m != nil {
				row.def = m[1]
			}
			tables[heading] = append(tables[heading], row)
		default:
			inTable = false
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tables
}

// The README's flag tables and the flags generated from the config structs
// agree both ways: every row names a flag of a command of its table with
// the same environment variable and config key (and, when its default cell
// starts with a value, the flag's default: see defaultIs), and every flag of those
// commands has its row. One table may document several commands (the
// outbox commands): each row then belongs to at least one of them.
func TestREADMEFlagTablesMatchTheConfig(t *testing.T) {
	o := Options{Registry: framework.NewRegistry()}
	type command struct {
		cmd *ucli.Command
		typ reflect.Type
	}
	outbox := outboxCommand(o).Subcommands
	commands := map[string][]command{
		"Configuration": {{runCommand(o), reflect.TypeFor[runConfig]()}},
		"Deployment":    {{serveCommand(o), reflect.TypeFor[serveConfig]()}},
		"Outbox: no signature is lost": {
			{outbox[0], reflect.TypeFor[outboxListConfig]()}, {outbox[1], reflect.TypeFor[outboxSendConfig]()},
			{outbox[2], reflect.TypeFor[outboxDropConfig]()}, {outbox[3], reflect.TypeFor[outboxSendConfig]()},
			{outbox[5], reflect.TypeFor[outboxMoveConfig]()},
		},
	}
	tables := readmeFlagTables(t)
	for heading := range tables {
		if _, ok := commands[heading]; !ok {
			t.Errorf("README.md: a flag table under %q, which names no command this test knows", heading)
		}
	}
	for heading, cs := range commands {
		t.Run(heading, func(t *testing.T) {
			rows := tables[heading]
			if len(rows) == 0 {
				t.Fatalf("README.md: no flag table under %q", heading)
			}
			byFlag := map[string]field{"--" + configFlag: {}}
			for _, c := range cs {
				for _, f := range fieldsOf(c.typ) {
					byFlag["--"+f.flag()] = f
				}
			}
			documented := map[string]bool{}
			for _, r := range rows {
				documented[r.flag] = true
				f, ok := byFlag[r.flag]
				switch {
				case !ok:
					t.Errorf("README.md:%d: %s is no flag of the commands under %q", r.line, r.flag, heading)
				case r.flag == "--"+configFlag:
					if r.env != configEnv || r.key != "" {
						t.Errorf("README.md:%d: %s: env %q key %q, want %q and none", r.line, r.flag, r.env, r.key, configEnv)
					}
				case r.env != f.env() || r.key != f.key:
					t.Errorf("README.md:%d: %s: env %q key %q, the code has %q and %q", r.line, r.flag, r.env, r.key, f.env(), f.key)
				case r.def != "" && !defaultIs(f.named(o.name()), r.def):
					t.Errorf("README.md:%d: %s: default %q, the code has %q (usage %q)", r.line, r.flag, r.def, f.named(o.name()).def, f.usage)
				}
			}
			for _, c := range cs {
				own := map[string]bool{"--" + configFlag: true}
				for _, f := range fieldsOf(c.typ) {
					own["--"+f.flag()] = true
				}
				for _, fl := range c.cmd.Flags {
					name := "--" + fl.Names()[0]
					if !own[name] {
						t.Errorf("%s: flag %s is not generated from %s", c.cmd.Name, name, c.typ)
					}
					if !documented[name] {
						t.Errorf("README.md: %s %s has no row in the table under %q", c.cmd.Name, name, heading)
					}
				}
			}
		})
	}
}

// defaultIs reports whether a flag table's default cell, def, is f's
// default: its declared one (a bool's false when it declares none, a path
// default's first choice before ", else"), or, for a setting whose default
// depends on others (run's max_payload_size on the profile), the one its
// usage states ("default 1048576; …", "default text on a terminal",
// "text (default) or json").
func defaultIs(f field, def string) bool {
	switch {
	case f.def != "":
		first, _, _ := strings.Cut(f.def, ", else ")
		return first == def
	case f.isBool():
		return def == "false"
	}
	if strings.Contains(f.usage, def+" (default)") { // "text (default) or json"
		return true
	}
	_, after, ok := strings.Cut(f.usage, "default ")
	return ok && (after == def || strings.HasPrefix(after, def+";") || strings.HasPrefix(after, def+",") ||
		strings.HasPrefix(after, def+")") || strings.HasPrefix(after, def+" "))
}
