package runtime

import "strconv"

// surrogates refuses a string token, the one just read from start on (the
// value at path, or a key of the object at path: holds says which), that
// holds a \u escape of a lone UTF-16 surrogate (\ud800 without a low
// surrogate after it, or \udc00 without a high one before it):
// encoding/json reads it as U+FFFD, silently, and an asset id "a\ud800"
// would travel as another id. The error is at the escape, naming path
// and the escape as written.
func (c *checker) surrogates(start int64, path, holds string) error {
	raw := c.data[start:c.dec.InputOffset()]
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
		return c.invalid(start+int64(i), path, "", holds+" "+string(raw[i:i+6])+
			", a lone UTF-16 surrogate, which is no character (it would be read as U+FFFD, changing the value); write the character itself, or a surrogate pair")
	}
	return nil
}

// hex4 returns the value of the four hex digits of b at i.
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}
