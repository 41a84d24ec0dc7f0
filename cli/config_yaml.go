package cli

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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

// maxProblemBytes bounds the bytes yamlError decodes again, all the
// prefixes it tries together (a tenth of a second): each prefix is decoded
// whole, so the lines alone let a file of maxConfigSize with a problem at
// its end cost thousands of decodes of megabytes, minutes of CPU before
// the error. Past it, the decoder's own line is named.
const maxProblemBytes = 2 << 20

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
	problem = anchorProblem(problem)
	if line == 0 {
		return usageErr("config file %s: yaml: %s", path, problem)
	}
	advice := ""
	if !strings.Contains(problem, "tab") {
		advice = tabAdvice(data, line)
	}
	return usageErr("config file %s:%d: yaml: %s%s", path, line, problem, advice)
}

// anchorProblem rewrites the decoder's problems that quote an anchor's
// name ("unknown anchor 'x7…' referenced") without it: the name is what
// follows a * or & the user wrote, most often a value starting with one
// (`token: *x7…`, a secret), and the error would show it.
func anchorProblem(problem string) string {
	switch {
	case strings.HasPrefix(problem, "unknown anchor '") && strings.HasSuffix(problem, "' referenced"):
		return "an alias (a value starting with *) names no anchor (&) of the file: to give a value starting with *, quote it ('*…')"
	case strings.HasPrefix(problem, "anchor '") && strings.HasSuffix(problem, "' value contains itself"):
		return "an anchor's value holds an alias (*) to itself"
	}
	return problem
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
// the first n lines of data with problem, 0 when none does or finding it
// would decode more than maxProblemBytes.
func problemLine(data []byte, problem string) int {
	end, decoded := 0, 0
	for n := 1; end < len(data) && n <= maxProblemLines; n++ {
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(data)
		}
		if decoded += end; decoded > maxProblemBytes {
			return 0
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

// textError is the usage error of a config file whose bytes the YAML
// decoder refuses as text, before it parses anything: a byte that is not
// UTF-8 (a file saved as Latin-1, a binary file) or a character YAML does
// not allow (a NUL, an escape). It names the line and column (counted in
// characters from 1) and the byte or code point, never the text around
// it: the decoder's own words ("invalid trailing UTF-8 octet") name no
// column, and their line is often the next one. A file starting with a
// UTF-16 byte order mark is left to the decoder, which reads UTF-16; one
// with a UTF-32 mark, which the decoder reads as UTF-16's and then as
// NULs, is refused naming its encoding.
func textError(path string, data []byte) error {
	switch enc, mark := wideEncoding(data); {
	case strings.HasPrefix(enc, "UTF-32"):
		return usageErr("config file %s:1: %s text (byte order mark %s): save the file as UTF-8 "+
			"(or UTF-16 with a byte order mark), the encodings YAML reads", path, enc, mark)
	case enc != "":
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return usageErr("config file %s:%d: the byte 0x%02X (column %d) is not UTF-8: save the file as UTF-8 "+
				"(or UTF-16 with a byte order mark), the encodings YAML reads", path, line, data[i], col)
		case !yamlChar(r):
			return usageErr("config file %s:%d: the control character %U (column %d) is not allowed in YAML: "+
				"is it a config file?", path, line, r, col)
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return nil
}

// yamlChar reports whether YAML allows r in a file: tab, the line ends,
// and the printable characters (YAML 1.2, 5.1), as the decoder checks.
func yamlChar(r rune) bool {
	switch {
	case r == 0x09, r == 0x0A, r == 0x0D, r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
