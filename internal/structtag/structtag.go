// Package structtag owns the reading of a Go struct tag's key:"value"
// pairs by reflect.StructTag.Lookup's grammar (pairs separated by spaces,
// a key of printable characters other than a space, a colon or a quote,
// its value Go-quoted right after the colon), one pair at a time, so that
// a caller reads every key in one pass and learns where the grammar
// breaks: Lookup reads nothing past that point.
package structtag

// Next splits the first pair off tag, after the spaces that lead it: its
// key, its value as written (quoted, to unquote with strconv.Unquote) and
// the rest of the tag. ok is false where the grammar breaks: key is ""
// when no key:" starts what is left, and holds the key when its value is
// not closed. A tag of spaces alone gives ok false with key "" and rest
// "": the end.
func Next(tag string) (key, quoted, rest string, ok bool) {
	i := 0
	for i < len(tag) && tag[i] == ' ' {
		i++
	}
	tag = tag[i:]
	i = 0
	for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' && tag[i] != 0x7f {
		i++
	}
	if i == 0 || i+1 >= len(tag) || tag[i] != ':' || tag[i+1] != '"' {
		return "", "", tag, false
	}
	key, tag = tag[:i], tag[i+1:]
	i = 1
	for i < len(tag) && tag[i] != '"' {
		if tag[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(tag) {
		return key, "", tag, false
	}
	return key, tag[:i+1], tag[i+1:], true
}
