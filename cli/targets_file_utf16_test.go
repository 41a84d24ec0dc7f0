package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// A targets file saved as UTF-16 (Windows PowerShell 5's > and Out-File
// write UTF-16LE with a byte order mark; Notepad's "Unicode") was read as
// bytes: each of its lines refused as a host name holding the byte 0xFF
// or U+0000, up to 20 errors that never said why. It is refused at once,
// naming the file and its encoding, exit 2, nothing sent nor stored. A
// UTF-8 byte order mark is still passed over (TestRunTargets).
func TestUTF16TargetsFileIsRefusedNamingItsEncoding(t *testing.T) {
	lines := "127.0.0.1\r\n::1\r\nweb.example.com\r\n"
	le, be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(lines)) {
		le = append(le, byte(u), byte(u>>8))
		be = append(be, byte(u>>8), byte(u))
	}
	tests := []struct {
		name, content, want string
	}{
		{"UTF-16LE", string(le), "UTF-16LE text (byte order mark FF FE)"},
		{"UTF-16BE", string(be), "UTF-16BE text (byte order mark FE FF)"},
		{"UTF-32LE", "\xff\xfe\x00\x00" + "1\x00\x00\x00", "UTF-32LE text (byte order mark FF FE 00 00)"},
		{"UTF-32BE", "\x00\x00\xfe\xff" + "\x00\x00\x001", "UTF-32BE text (byte order mark 00 00 FE FF)"},
		{"a mark alone", "\xff\xfe", "UTF-16LE text (byte order mark FF FE)"},
	}
	for _, cmd := range []string{"run", "validate"} {
		for _, tt := range tests {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				hosts := writeFile(t, "hosts.txt", tt.content)
				box := filepath.Join(t.TempDir(), "outbox.db")
				backend := newBackend(t, 200)
				r := run(t, registry(), nil, cmd, "noop", "--targets-file", hosts, "--backend-url", backend.URL,
					"--inject-id", "u16", "--outbox", box, "--log-level", "error")
				want := hosts + ":1: " + tt.want + ": a targets file is UTF-8"
				if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and one line saying %q", r.code, r.stderr, want)
				}
				if n := len(backend.got()); n != 0 {
					t.Errorf("%d bodies sent, want none", n)
				}
				if _, err := os.Stat(box); !os.IsNotExist(err) {
					t.Errorf("outbox %s: %v, want none created", box, err)
				}
			})
		}
	}
}
