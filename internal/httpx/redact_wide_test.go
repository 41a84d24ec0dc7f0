package httpx

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// TestRedactUTF16Encoded: a server on a stack whose strings are UTF-16
// (.NET's Encoding.Unicode, Java's UTF_16LE, PowerShell's -EncodedCommand)
// echoing the token in the base64 or the hex of its UTF-16 bytes, little-
// or big-endian, alone or inside a longer text at each of base64's three
// alignments, shows it to no reader: each is redacted, in a log line and
// in a server's text, and what comes before it is kept. Seen from outside:
// a backend answering 401 with base64(UTF-16LE("Bearer " + token)) had
// the token shown in run's delivery failed line.
func TestRedactUTF16Encoded(t *testing.T) {
	const tok = `tokWide-7Q9zR2xW/+=%25"é\`
	type echo struct{ name, text, kept string }
	var cases []echo
	// a prefix of n characters puts the token at byte 2n of the UTF-16
	// text: alignments 0, 2 and 1 of base64's groups of three bytes.
	for _, prefix := range []string{"", "B", "Be", "Bearer ", "\ufeff"} {
		for _, order := range []string{"LE", "BE"} {
			text := wide(prefix+tok+`"}`, order)
			whole := 2 * len(utf16.Encode([]rune(prefix))) / 3 * 3
			for ename, enc := range map[string]*base64.Encoding{"std": base64.StdEncoding, "url": base64.URLEncoding, "raw": base64.RawStdEncoding} {
				cases = append(cases, echo{
					fmt.Sprintf("base64 (%s) of UTF-16%s, prefix %q", ename, order, prefix),
					enc.EncodeToString(text), strings.TrimRight(enc.EncodeToString(text[:whole]), "="),
				})
			}
			cases = append(cases,
				echo{fmt.Sprintf("hex of UTF-16%s, prefix %q", order, prefix), hex.EncodeToString(text), ""},
				echo{fmt.Sprintf("HEX of UTF-16%s, prefix %q", order, prefix), strings.ToUpper(hex.EncodeToString(text)), ""})
		}
	}
	r := NewRedactor(tok)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line := `{"message":"refused: ` + tc.text + `"}`
			for how, got := range map[string]string{"Redact": r.Redact(line), "ServerText": r.ServerText(line)} {
				if got == line || wideShows(got, tok, 4) {
					t.Errorf("%s(%q) = %q, want the token hidden", how, line, got)
				}
			}
			if got := r.Redact(line); !strings.Contains(got, tc.kept) {
				t.Errorf("Redact: %q, want %q kept", got, tc.kept)
			}
		})
	}
}

// wide returns s in UTF-16, little- or big-endian.
func wide(s, order string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if order == "LE" {
			b = append(b, byte(u), byte(u>>8))
		} else {
			b = append(b, byte(u>>8), byte(u))
		}
	}
	return b
}

// FuzzRedactUTF16: a server echoing any secret of ShortSecret bytes or
// more in the base64 (either alphabet) or the hex of the UTF-16 bytes of a
// text holding it, after any prefix, shows it whole to no reader.
func FuzzRedactUTF16(f *testing.F) {
	f.Add(`tokWide-7Q9zR2xW/+=%25"é\`, "Bearer ", false, uint8(0))
	f.Add("QxTOKc7f3aZ1+/=%25", "", true, uint8(1))
	f.Add("ключ-секрет-1", "key: ", false, uint8(2))
	f.Fuzz(func(t *testing.T, secret, prefix string, bigEndian bool, how uint8) {
		if len(secret) < ShortSecret || !utf8.ValidString(secret) || !utf8.ValidString(prefix) || strings.TrimSpace(secret) != secret {
			t.Skip()
		}
		order := map[bool]string{false: "LE", true: "BE"}[bigEndian]
		text := wide(prefix+secret+`"}`, order)
		echo := [...]string{base64.StdEncoding.EncodeToString(text), base64.URLEncoding.EncodeToString(text),
			hex.EncodeToString(text)}[int(how)%3]
		r := NewRedactor(secret)
		for how, got := range map[string]string{"Redact": r.Redact("refused: " + echo), "ServerText": r.ServerText("refused: " + echo)} {
			if wideShows(got, secret, utf8.RuneCountInString(secret)) {
				t.Errorf("%s: %q shows %q (UTF-16%s)", how, got, secret, order)
			}
		}
	})
}

// wideShows reports whether a base64 or hex run of s, decoded from any of
// its first characters and read as UTF-16 of either order from either
// byte, holds n characters in a row of secret.
func wideShows(s, secret string, n int) bool {
	var decoded [][]byte
	for _, run := range wideRun.FindAllString(s, -1) {
		for off := range min(4, len(run)) {
			r := strings.NewReplacer("-", "+", "_", "/").Replace(run[off:])
			b, _ := base64.RawStdEncoding.DecodeString(r[:len(r)/4*4])
			decoded = append(decoded, b)
			if off < 2 {
				h := run[off:]
				b, _ := hex.DecodeString(h[:len(h)/2*2])
				decoded = append(decoded, b)
			}
		}
	}
	rs := []rune(secret)
	for _, b := range decoded {
		for skip := range min(2, len(b)) {
			for _, order := range []string{"LE", "BE"} {
				text := unwide(b[skip:], order)
				for i := 0; i+n <= len(rs); i++ {
					if strings.Contains(text, string(rs[i:i+n])) {
						return true
					}
				}
			}
		}
	}
	return false
}

// unwide reads b as UTF-16 of the given order.
func unwide(b []byte, order string) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if order == "LE" {
			u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
		} else {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
	}
	return string(utf16.Decode(u))
}

var wideRun = regexp.MustCompile(`[A-Za-z0-9+/_-]+`)
