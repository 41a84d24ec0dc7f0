package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// figure matches what the README's Performance section states as a
// measurement: a number with a decimal point (2.366, 0.58x, 8.7 ms), a
// whole number with its unit (246 MB, 11 %) and a number written in groups
// of three digits (1 126, 100 000). Code spans (codeSpan) are left out
// first: they hold commands, whose numbers are settings.
var figure = regexp.MustCompile(`\d+\.\d+(?: ?(?:ms|s|MB)\b|x)?|\d+ (?:ms|MB|%)|\d{1,3}(?: \d{3})+`)

// section returns the text of the Markdown section under heading (a whole
// line, such as "### Performance"), up to the next heading of any level.
func section(doc, heading string) (string, bool) {
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		return "", false
	}
	for i := 0; i < len(rest); {
		j := strings.IndexByte(rest[i:], '\n')
		if j < 0 {
			break
		}
		if strings.HasPrefix(rest[i+j+1:], "#") {
			return rest[:i+j+1], true
		}
		i += j + 1
	}
	return rest, true
}

// unquoted returns the figures of text that benchmarks, its white space
// folded, does not hold.
func unquoted(text, benchmarks string) []string {
	fold := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	bench := fold(benchmarks)
	var missing []string
	for _, f := range figure.FindAllString(fold(codeSpan.ReplaceAllString(text, " ")), -1) {
		if !strings.Contains(bench, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

// TestPerformanceFiguresAreInBenchmarks checks that every figure of the
// README's Performance section stands in BENCHMARKS.md, written the same
// way: the README quotes measurements, it does not make them.
func TestPerformanceFiguresAreInBenchmarks(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	bench, err := os.ReadFile(filepath.Join(root, "BENCHMARKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	perf, ok := section(string(readme), "### Performance")
	if !ok {
		t.Fatal(`README.md has no "### Performance" section`)
	}
	if n := len(figure.FindAllString(perf, -1)); n < 10 {
		t.Fatalf("README.md's Performance section holds %d figures; the pattern no longer reads it", n)
	}
	for _, f := range unquoted(perf, string(bench)) {
		t.Errorf("README.md's Performance section quotes %q, which BENCHMARKS.md does not hold", f)
	}
}

// TestUnquotedFigures proves the check finds what it must and passes over
// what is not a measurement.
func TestUnquotedFigures(t *testing.T) {
	bench := "| 1 000 000 | 2.366 s (2.150–2.377), 246\nMB | 0.58x | 11 % |"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"all quoted", "a million (1 000 000) in 2.366 s and 246 MB, 0.58x, 11 %", nil},
		{"a line end inside a figure", "in 2.366\ns and 246\nMB", nil},
		{"a rounded time", "in 2.37 s", []string{"2.37 s"}},
		{"another ratio", "0.57x of the floor", []string{"0.57x"}},
		{"a memory figure", "and 245 MB", []string{"245 MB"}},
		{"a share", "12 % of it", []string{"12 %"}},
		{"a grouped count", "1 126 injects a second", []string{"1 126"}},
		{"a bare decimal", "1.534 times", []string{"1.534"}},
		{"code spans are commands", "`make bench-serve N=2000 WORKERS=16 RUNS=3` and `sleep 1.5`", nil},
		{"plain small numbers are words", "16 workers, 64 targets, 2 cores", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unquoted(tt.text, bench)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("unquoted(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSection(t *testing.T) {
	doc := "# T\n\n### Performance\n\none\ntwo\n## Next\nthree\n"
	got, ok := section(doc, "### Performance")
	if !ok || got != "\none\ntwo\n" {
		t.Errorf("section = %q, %v", got, ok)
	}
	if got, ok := section("### Performance\nlast", "### Performance"); ok {
		t.Errorf("a heading on the first line is not found after a line end: got %q", got)
	}
	if got, ok := section(doc+"### Performance\n", "### Other"); ok {
		t.Errorf("missing heading found: %q", got)
	}
	if got, _ := section("x\n### Performance\nlast line", "### Performance"); got != "last line" {
		t.Errorf("section to the end = %q", got)
	}
}
