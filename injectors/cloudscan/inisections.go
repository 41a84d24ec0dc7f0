package cloudscan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// The section headers of the AWS shared files, as the SDK's reader of
// them (aws-sdk-go-v2/config/internal/ini) takes them: it splits a file
// at "\n", skips blank lines and comment lines (# or ; after blanks),
// and reads a line as a section header when, cut at its first # or ;
// and trimmed, it is bracketed; the name between the brackets, trimmed,
// is split at its first run of blanks ("profile  x" is "profile x").
// A line that is none it ignores, or reads as a property: a header
// that lost its "]" ("[keys") leaves the keys under it to the section
// above, or, at the top of the file, to none. Then (config's
// shared_config.go) it drops, in a config file, every section but
// [default], [profile …], [sso-session …] and [services …], and in a
// credentials file every [profile …] one: there a profile is [name].

// sectionHeader is a section header of a file and the line it is on.
type sectionHeader struct {
	line int    // from 1
	name string // as the SDK names the section: "profile keys", "keys"
}

// badLine is a line the SDK's reader misreads: one that opens a section
// header ("[" first) it does not read as one, or a property whose value
// is a lone quote, on which it panics (loneQuote).
type badLine struct {
	line   int
	shown  string // what the SDK sees of a header, cut after its "]" or before any "=" or ":"
	reason string // why a header is none
	key    string // the property's key, when its value is a lone quote
}

// scanSections returns the section headers of body, as the SDK reads
// them, and the first line that begins like one but is none, or whose
// value is a lone quote (loneQuote), nil when there is none. A line holding blanks before its "[" is not counted
// as a broken header: the SDK reads it as the value's continuation. A
// byte order mark before the first line's "[" is: the SDK's reader
// takes it for text, and the line for no header.
func scanSections(body []byte) (headers []sectionHeader, bad *badLine) {
	for i, line := range strings.Split(string(body), "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		seen := strings.TrimSpace(cutComment(line))
		if len(seen) >= 2 && seen[0] == '[' && seen[len(seen)-1] == ']' {
			name := sectionName(strings.TrimSpace(seen[1 : len(seen)-1]))
			if name == "" && bad == nil && line[0] == '[' {
				bad = &badLine{line: i + 1, shown: seen, reason: "no name between its brackets"}
			}
			headers = append(headers, sectionHeader{line: i + 1, name: name})
			continue
		}
		if bad != nil {
			continue
		}
		if key, ok := loneQuote(line); ok {
			bad = &badLine{line: i + 1, key: key}
			continue
		}
		bom := i == 0 && strings.HasPrefix(line, byteOrderMark+"[")
		if line[0] != '[' && !bom {
			continue
		}
		bad = &badLine{line: i + 1, shown: strings.TrimPrefix(seen, byteOrderMark)}
		switch {
		case bom:
			bad.reason = `a byte order mark (U+FEFF) before its "[", which the SDK's reader takes for text`
		case strings.Contains(seen, "]"):
			bad.reason = `text after its closing "]"`
			bad.shown = seen[:strings.Index(seen, "]")+1] + "…"
		case strings.Contains(strings.TrimSpace(line), "]"):
			bad.reason = `a # or ; before its closing "]", where the SDK's reader ends the line`
		default:
			bad.reason = `no closing "]"`
		}
		if cut := strings.IndexAny(bad.shown, "=:"); cut >= 0 {
			bad.shown = bad.shown[:cut]
		}
	}
	return headers, bad
}

// loneQuote reports whether the SDK's reader takes line, one that is no
// comment nor section header, for a property (or, indented, a
// sub-property) whose value, trimmed, is a lone " or ': its unquoting
// of the value (ini's legacyStrconv) then slices past the value's end
// and panics, ending the process. It returns the property's key.
func loneQuote(line string) (key string, ok bool) {
	var v string
	if line[0] == ' ' || line[0] == '\t' {
		key, v, ok = splitProperty(strings.TrimLeft(line, " \t"))
	} else {
		key, v, ok = splitProperty(strings.TrimRight(cutPropertyComment(line), " \t"))
	}
	return key, ok && (v == `"` || v == `'`)
}

// splitProperty splits a property's line at its "=" or, when it comes
// first or alone, its ":", as the SDK's reader does, each side trimmed.
func splitProperty(s string) (key, value string, ok bool) {
	sep := "="
	if eq, colon := strings.Index(s, "="), strings.Index(s, ":"); eq < 0 || colon >= 0 && colon < eq {
		sep = ":"
	}
	key, value, ok = strings.Cut(s, sep)
	return strings.TrimSpace(key), strings.TrimSpace(value), ok
}

// cutPropertyComment cuts a property's line at its first comment, a #
// or ; after a blank, as the SDK's reader does.
func cutPropertyComment(s string) string {
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		s, _, _ = strings.Cut(s, c)
	}
	return s
}

// byteOrderMark is UTF-8's, which some editors write first in a file.
const byteOrderMark = "\ufeff"

// cutComment cuts line at its first # or ;, as the SDK does a header's.
func cutComment(line string) string {
	if i := strings.IndexAny(line, "#;"); i >= 0 {
		return line[:i]
	}
	return line
}

// sectionName is the name the SDK gives a header's trimmed text: its
// first word and the rest, the blanks between them made one space.
func sectionName(s string) string {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s
	}
	return s[:i] + " " + strings.TrimLeft(s[i:], " \t")
}

// checkHeaders refuses a file holding a line that opens a section header
// the SDK does not read as one (scanSections), naming the file and the
// line: the keys under it go to another section than the one meant, or
// to none (the AWS CLI refuses such a file); or a value of a lone quote,
// on which the SDK's reader panics (loneQuote), naming its key, never
// the line. It returns the headers.
func (f sharedFile) checkHeaders(body []byte) ([]sectionHeader, error) {
	headers, bad := scanSections(body)
	if bad == nil {
		return headers, nil
	}
	by := f.env
	if by == "" {
		by = "its default path, " + f.unset + " unset"
	}
	field := f.path + ":" + strconv.Itoa(bad.line)
	if bad.key != "" {
		return nil, &signatures.ValidationError{Field: field, Value: bad.key,
			Reason: fmt.Sprintf("a value of a lone quote (\" or '), on which the AWS SDK's reader of its shared %s file (%s) "+
				"fails with a panic, ending the process: give the value whole, or quote it whole", f.kind, by)}
	}
	under := "are ignored (no section is above it)"
	for _, h := range headers {
		if h.line < bad.line {
			under = fmt.Sprintf("go to the section above it, [%s] at line %d", signatures.Shorten(h.name, signatures.MaxQuoted), h.line)
		}
	}
	write := "[name]"
	if f.kind == "config" {
		write = "[profile name] ([default] for the default profile)"
	}
	return nil, &signatures.ValidationError{Field: field, Value: bad.shown,
		Reason: fmt.Sprintf("a section header with %s, which the AWS SDK does not read as one: it reads this file as its shared %s file (%s), "+
			"ignores the line, and the lines under it %s; write the header as %s", bad.reason, f.kind, by, under, write)}
}
