package runtime

import (
	"fmt"
	"sort"
	"strings"
)

// FilePlaces says where an inject file writes each value an error found
// after its decoding may name, apart from its targets (FileTargets.Each
// gives each target's line): each key of the request ("inject_id",
// "phase", "expectation_types"), each expectation type
// ("expectation_types[1]") and each param ("params.ports", the key as the
// file writes it), and where each param's key is written (KeyOf). It
// holds the lines and columns alone, not the file.
type FilePlaces struct {
	name  string            // the file's name, "" when it has none
	at    map[string][2]int // field → line, column of its value
	keyAt map[string][2]int // param field → line, column of its key
}

// Of names the file and where it writes field's value, as the errors of
// DecodeInjectFile do: "inject file x.json:5:14" ("inject file, line 5,
// column 14" for a file without a name). A field within a param
// ("params.creds.user") is placed at its param. A field the file does not
// write names the file alone ("inject file x.json").
func (p FilePlaces) Of(field string) string {
	return p.of(p.at, field)
}

// Writes reports whether the file writes field's value (a key of the
// request, an expectation type, a param); a key of the request given
// null is not written (null is the key left out).
func (p FilePlaces) Writes(field string) bool {
	_, ok := p.at[field]
	return ok
}

// KeyOf is Of placing a param at its key, not its value: for an error
// about the key (no such param), not what it is given.
func (p FilePlaces) KeyOf(field string) string {
	return p.of(p.keyAt, field)
}

func (p FilePlaces) of(at map[string][2]int, field string) string {
	for f := field; ; {
		if lc, ok := at[f]; ok {
			return place(p.name, lc[0], lc[1])
		}
		i := strings.LastIndexAny(f, ".[")
		if i <= len("params") || !strings.HasPrefix(f, "params.") {
			break
		}
		f = f[:i]
	}
	return strings.TrimSpace("inject file " + p.name)
}

// place names line and column of the inject file name.
func place(name string, line, col int) string {
	if name == "" {
		return fmt.Sprintf("inject file, line %d, column %d", line, col)
	}
	return fmt.Sprintf("inject file %s:%d:%d", name, line, col)
}

// mark records where the value of key, in the object being checked,
// starts (off, or the white space or colon before it), when an error
// found after decoding may name it: a key of the request but its targets,
// or a param; and, for a param, where its key starts (keyOff, or the
// white space or comma before it).
func (c *checker) mark(key []byte, keyOff, off int64) {
	switch {
	case len(c.path) == 0 && string(key) != "targets":
		c.places[string(key)] = off
	case c.topKey("params"):
		c.places["params."+string(key)] = off
		c.keys["params."+string(key)] = keyOff
	}
}

// filePlaces turns the offsets the checker marked into lines and columns,
// in one pass over the file.
func (c *checker) filePlaces(name string) FilePlaces {
	type mark struct {
		field string
		off   int
		key   bool
	}
	marks := make([]mark, 0, len(c.places)+len(c.keys))
	for f, off := range c.places {
		marks = append(marks, mark{f, skip(c.data, off), false})
	}
	for f, off := range c.keys {
		marks = append(marks, mark{f, skip(c.data, off), true})
	}
	sort.Slice(marks, func(i, j int) bool { return marks[i].off < marks[j].off })
	p := FilePlaces{name: name, at: make(map[string][2]int, len(c.places)), keyAt: make(map[string][2]int, len(c.keys))}
	line, col, i := 1, 1, 0
	for _, m := range marks {
		line, col, i = advance(c.data, line, col, i, m.off)
		if m.key {
			p.keyAt[m.field] = [2]int{line, col}
		} else {
			p.at[m.field] = [2]int{line, col}
		}
	}
	return p
}

// lineCol returns "line L, column C" of Position(data, off).
func lineCol(data []byte, off int64) string {
	line, col := Position(data, off)
	return fmt.Sprintf("line %d, column %d", line, col)
}

// Position returns the line and column of the first character of data at
// or after off that is not white space, a comma or a colon (columns count
// bytes from 1): where an inject file's error is, and a platform message
// file's (run --openaev-message).
func Position(data []byte, off int64) (line, col int) {
	line, col, _ = advance(data, 1, 1, 0, skip(data, off))
	return line, col
}

// skip returns the index of the first character of data at or after off
// that is not white space, a comma or a colon.
func skip(data []byte, off int64) int {
	i := min(max(int(off), 0), len(data))
	for i < len(data) && strings.IndexByte(" \t\r\n,:", data[i]) >= 0 {
		i++
	}
	return i
}

// advance returns the line and column of data[to], given those of
// data[from] (from ≤ to), and to. A line ends at LF, CRLF or CR alone (a
// file of classic Mac OS, which editors show line by line): JSON reads
// each as white space, and every error was on line 1 of a file of CRs.
func advance(data []byte, line, col, from, to int) (int, int, int) {
	for i := from; i < to; i++ {
		switch {
		case data[i] == '\r', data[i] == '\n' && (i == 0 || data[i-1] != '\r'):
			line, col = line+1, 1
		case data[i] != '\n': // the LF of a CRLF ended its line already
			col++
		}
	}
	return line, col, to
}

// lineEnds counts the line ends of data[from:to] as advance counts them.
func lineEnds(data []byte, from, to int) int {
	line, _, _ := advance(data, 0, 1, from, to)
	return line
}
