package cli

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// yamlProblem splits an error of the YAML decoder into its line (absent
// for some) and its problem.
var yamlProblem = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)
})

// maxProblemLines bounds the lines yamlError tries: a config file is a
// few dozen.
const maxProblemLines = 5000

// yamlError is the usage error of a config file the YAML decoder refused
// with err: "config file c.yaml:2: yaml: <problem>", naming the line of
// the problem. The decoder's own line is often an earlier one: it counts
// the lines of its parser's errors ("did not find expected …") from 0,
// and names for its scanner's the line where the token being scanned
// began (a tab on line 4 after a value on line 3 is reported on line 3).
// The line named is the latest of the decoder's (counted from 1) and of
// the first line that, with the lines above it, the decoder refuses with
// the same problem; a problem at the end of the file is on its last line.
func yamlError(path string, data []byte, err error) error {
	m := yamlProblem().FindStringSubmatch(err.Error())
	if m == nil {
		return usageErr("config file %s: %w", path, err)
	}
	problem := m[2]
	line, _ := strconv.Atoi(m[1])
	if strings.HasPrefix(problem, "did not find expected") {
		line++ // a parser's error, whose line the decoder counts from 0
	}
	line = min(max(line, problemLine(data, problem)), lineCount(data))
	if line == 0 {
		return usageErr("config file %s: yaml: %s", path, problem)
	}
	advice := ""
	if !strings.Contains(problem, "tab") {
		advice = tabAdvice(data, line)
	}
	return usageErr("config file %s:%d: yaml: %s%s", path, line, problem, advice)
}

// tabAdvice says, for a problem on line (counted from 1) of data that a
// tab indents, that YAML indents with spaces only: the decoder's own words
// ("found character that cannot start any token", for a key a tab
// indents after a flow value) do not always name the tab, in a file an
// editor indented with tabs. "" for any other line.
func tabAdvice(data []byte, line int) string {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return ""
	}
	indent := lines[line-1][:len(lines[line-1])-len(bytes.TrimLeft(lines[line-1], " \t"))]
	if !bytes.ContainsRune(indent, '\t') {
		return ""
	}
	return "; a tab indents this line: YAML indents with spaces only"
}

// lineCount returns the number of lines of data, the last one counted
// whether or not a newline ends it.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// problemLine returns the first line n such that the YAML decoder refuses
// the first n lines of data with problem, 0 when none does.
func problemLine(data []byte, problem string) int {
	end := 0
	for n := 1; end < len(data) && n <= maxProblemLines; n++ {
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(data)
		}
		err := decodeAll(data[:end])
		if err == nil {
			continue
		}
		if m := yamlProblem().FindStringSubmatch(err.Error()); m != nil && m[2] == problem {
			return n
		}
	}
	return 0
}

// decodeAll decodes every document of data, and returns the first error.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		switch err := dec.Decode(&n); {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
	}
}
