package cli

import (
	"bytes"
	"strconv"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/printable"
)

// shown returns s as a line of stderr may show it: every character a
// terminal would act on rather than show (C0 controls but the line feed
// and the tab, DEL, C1 controls) written as Go escapes it (\x1b,
// \u009b), and every byte that is not UTF-8 as \xff. A value injectkit
// quotes is escaped already (%q); a file's path is named as written
// (x.json:3:25), and a path may hold anything: an escape sequence in it
// would recolour, retitle or clear the user's terminal, and a CI log
// would hold invalid UTF-8. s is returned as it is when nothing needs
// escaping.
func shown(s string) string {
	return printable.Escape(s, unshowable)
}

// unshowable reports whether r is a control character shown escaped.
func unshowable(r rune) bool {
	return r != '\n' && r != '\t' && (r < ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f))
}

// shownEncoder is the encoder of the log lines, either format: the
// console's message through shown (its fields are quoted JSON already,
// its message is written as it is, and some name a file's path: `a token
// was given (config file x.yaml:1)`; the JSON encoder escapes a message
// itself), then, in the whole line, each Unicode format character (U+202E,
// which reverses what a terminal or a log viewer shows after it; U+200B,
// U+FEFF…) and line or paragraph separator written as a JSON escape
// (\u202e), which zap writes as they are: valid in a JSON string, and
// decoded back to the value by a reader of the JSON lines.
type shownEncoder struct {
	zapcore.Encoder
	console bool
}

func (e shownEncoder) Clone() zapcore.Encoder { return shownEncoder{e.Encoder.Clone(), e.console} }

func (e shownEncoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	if e.console {
		ent.Message = shown(ent.Message)
	}
	buf, err := e.Encoder.EncodeEntry(ent, fields)
	if err != nil || !bytes.ContainsFunc(buf.Bytes(), invisible) {
		return buf, err
	}
	line := buf.String()
	buf.Reset()
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if invisible(r) {
			buf.AppendString(`\u` + strconv.FormatUint(uint64(r)|0x10000, 16)[1:])
		} else {
			buf.AppendString(line[i : i+size])
		}
		i += size
	}
	return buf, nil
}

// invisible reports whether r is a format character (Cf), a line or a
// paragraph separator of the Basic Multilingual Plane, escaped in a log
// line.
func invisible(r rune) bool {
	return r > 0x7f && r <= 0xffff && (unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029')
}
