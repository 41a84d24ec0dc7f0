package doccheck

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

// injectorTable is one table of an injector's README: its rows' cells by
// line, the header's cells trimmed.
type injectorTable struct {
	header []string
	rows   map[int][]string
}

// injectorTables returns the tables of md whose header starts with one of
// heads (its first cells, trimmed), by the line of the header.
func injectorTables(md string, heads ...[]string) []injectorTable {
	var tables []injectorTable
	var cur *injectorTable
	for n, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cur = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case cur != nil && strings.HasPrefix(cells[0], "---"):
		case cur != nil:
			cur.rows[n+1] = cells
		default:
			for _, h := range heads {
				if len(cells) >= len(h) && slices.Equal(cells[:len(h)], h) {
					tables = append(tables, injectorTable{header: cells, rows: map[int][]string{}})
					cur = &tables[len(tables)-1]
				}
			}
		}
	}
	return tables
}

// firstCode is the first inline code span of a cell, and whether it has
// one.
var firstCode = regexp.MustCompile("`([^`]*)`")

func codeOf(cell string) (string, bool) {
	m := firstCode.FindStringSubmatch(cell)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// TestInjectorREADMETables checks each reference injector's README against
// the manifest the injector declares (what `injectkit injectors NAME`
// prints): its params table (| name | type | default |) has a row for each
// param and no other, each with the param's default (`*(empty)*` for
// none); its settings table (| config key | environment variable | default
// |) a row for each setting and no other, with the setting's environment
// variable and, when the cell starts with a value, its default.
func TestInjectorREADMETables(t *testing.T) {
	root := repoRoot(t)
	reg := framework.NewRegistry()
	builtin.Register(reg)
	for _, name := range []string{"nmap", "cloudscan", "query"} {
		t.Run(name, func(t *testing.T) {
			ex, err := reg.New(name)
			if err != nil {
				t.Fatal(err)
			}
			m, ok, err := reg.Manifest(name, ex)
			if err != nil || !ok {
				t.Fatalf("manifest of %s: %v, %v", name, ok, err)
			}
			path := "injectors/" + name + "/README.md"
			md := string(readRepoFile(t, root, "injectors", name, "README.md"))
			checkParamsTable(t, path, md, m)
			checkSettingsTable(t, path, md, m)
		})
	}
}

func checkParamsTable(t *testing.T, path, md string, m framework.Manifest) {
	t.Helper()
	tables := injectorTables(md, []string{"name", "type", "default"}, []string{"key", "type", "default"})
	if len(tables) != 1 {
		t.Fatalf("%s: %d params tables (| name | type | default |), want 1", path, len(tables))
	}
	seen := map[string]bool{}
	for line, cells := range tables[0].rows {
		name, _ := codeOf(cells[0])
		seen[name] = true
		p, ok := m.Param(name)
		if !ok {
			t.Errorf("%s:%d: %q is no param of %s", path, line, name, m.Name)
			continue
		}
		def, ok := codeOf(cells[2])
		if !ok && strings.HasPrefix(cells[2], "*(empty)*") {
			def, ok = "", true
		}
		if !ok {
			t.Errorf("%s:%d: %s: the default cell %q names no value (`v`, or *(empty)*)", path, line, name, cells[2])
		} else if def != p.Default {
			t.Errorf("%s:%d: %s: default %q, the manifest has %q", path, line, name, def, p.Default)
		}
	}
	for _, p := range m.Params {
		if !seen[p.Name] {
			t.Errorf("%s: the params table has no row for %s", path, p.Name)
		}
	}
}

func checkSettingsTable(t *testing.T, path, md string, m framework.Manifest) {
	t.Helper()
	tables := injectorTables(md, []string{"config key", "environment variable", "default"})
	if len(m.Settings) == 0 {
		if len(tables) != 0 {
			t.Errorf("%s: a settings table, and %s declares no setting", path, m.Name)
		}
		return
	}
	if len(tables) != 1 {
		t.Fatalf("%s: %d settings tables (| config key | environment variable | default |), want 1", path, len(tables))
	}
	seen := map[string]bool{}
	for line, cells := range tables[0].rows {
		key, _ := codeOf(cells[0])
		key, ok := strings.CutPrefix(key, m.Name+".")
		i := slices.IndexFunc(m.Settings, func(s framework.Setting) bool { return s.Key == key })
		if !ok || i < 0 {
			t.Errorf("%s:%d: %q is no setting of %s (%s.KEY)", path, line, cells[0], m.Name, m.Name)
			continue
		}
		s := m.Settings[i]
		seen[key] = true
		if env, _ := codeOf(cells[1]); env != s.Env {
			t.Errorf("%s:%d: %s: environment variable %q, the manifest has %q", path, line, key, env, s.Env)
		}
		if def, ok := codeOf(cells[2]); ok && strings.HasPrefix(cells[2], "`") && def != s.Default {
			t.Errorf("%s:%d: %s: default %q, the manifest has %q", path, line, key, def, s.Default)
		}
	}
	for _, s := range m.Settings {
		if !seen[s.Key] {
			t.Errorf("%s: the settings table has no row for %s.%s", path, m.Name, s.Key)
		}
	}
}
