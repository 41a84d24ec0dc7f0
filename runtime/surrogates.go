package runtime

// surrogates refuses raw, a string read from off on (the value being
// checked, or a key of the object being checked: holds says which), when
// it holds a \u escape of a lone UTF-16 surrogate (\ud800 without a low
// surrogate after it, or \udc00 without a high one before it):
// encoding/json reads it as U+FFFD, silently, and an asset id "a\ud800"
// would travel as another id. The error is at the escape, naming the
// value's path (the object's, for a key) and the escape as written.
func (c *checker) surrogates(off int, raw []byte, holds string) error {
	i := loneSurrogate(raw)
	if i < 0 {
		return nil
	}
	return c.invalid(int64(off+i), c.pathString(), "", holds+" "+string(raw[i:i+6])+
		", a lone UTF-16 surrogate, which is no character (it would be read as U+FFFD, changing the value); write the character itself, or a surrogate pair")
}

// loneSurrogate returns the index in raw of the first \u escape of a lone
// surrogate, or -1.
func loneSurrogate(raw []byte) int {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 >= len(raw) || raw[i+1] != 'u' {
			i++ // \" \\ \n …: the escaped character is not an escape
			continue
		}
		r, ok := hex4(raw, i+2)
		if !ok {
			continue // encoding/json refuses it
		}
		switch {
		case r >= 0xd800 && r < 0xdc00:
			if lo, ok := hex4(raw, i+8); ok && i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' && lo >= 0xdc00 && lo < 0xe000 {
				i += 11 // a pair: one character
				continue
			}
		case r >= 0xdc00 && r < 0xe000:
		default:
			i += 5
			continue
		}
		return i
	}
	return -1
}
