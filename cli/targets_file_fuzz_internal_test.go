package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTargetsFile reads any file as its rule says, whatever bytes it
// holds: a UTF-8 byte order mark first passed over (a UTF-16 or UTF-32
// one refused), each line (ended by LF, CRLF or CR alone) cut at its #
// and trimmed of white space, blank ones skipped, each target named by
// its line. A file is input from outside;
// it is read in blocks, and the result must not depend on where a block
// ends (a CRLF cut by one is one line end).
func FuzzReadTargetsFile(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1\n::1\n", "\ufeff127.0.0.1\r\n# c\r\n\r\nweb.example.com # x\n", "a\rb\r", "a\r\r\nb\n\rc", "\ufeff", "#\ufeffx\n \t\n",
		"x\n\ufeffy", "a\x00b\n", "h\xffx", "\u00a0a\u0085\n", "a#b#c\n\n\nd", "\xff\xfe1\x00", "\xfe\xff", "\x00\x00\xfe\xff",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// data alone, and after comment lines that end it, or put it
		// across, where the first block read (maxLine and a line end)
		// ends.
		pad := strings.Repeat("#", maxLine/2) + "\n"
		pad += "#" + strings.Repeat("x", max(maxLine+2-len(pad)-len(data)/2-2, 0)) + "\n"
		for _, content := range [][]byte{data, append([]byte(pad), data...)} {
			readsAsTheRuleSays(t, dir, content)
		}
	})
}

func readsAsTheRuleSays(t *testing.T, dir string, data []byte) {
	path := filepath.Join(dir, "hosts.txt")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	type target struct {
		v  string
		at int32
	}
	var got []target
	err := readTargetsFile(context.Background(), newTargetList(1<<16, false), path, "", func(v string, o origin) error {
		got = append(got, target{v, o.at})
		return nil
	})
	if enc, _ := wideEncoding(data); enc != "" {
		// A UTF-16 or UTF-32 file is refused at its mark, nothing read.
		if err == nil || !strings.Contains(err.Error(), ":1: "+enc+" text") || len(got) != 0 {
			t.Fatalf("%q: read %q, error %v, want it refused as %s", data[:min(len(data), 8)], got, err, enc)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: %v", data[max(len(data)-200, 0):], err)
	}
	var want []target
	text := string(bytes.TrimPrefix(data, []byte("\ufeff")))
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for i, line := range strings.Split(text, "\n") {
		if v, _, _ := strings.Cut(line, "#"); strings.TrimSpace(v) != "" {
			want = append(want, target{strings.TrimSpace(v), int32(i + 1)})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%q: read %q, want %q", data[max(len(data)-200, 0):], got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("target %d is %q, want %q", i, got[i], want[i])
		}
	}
}
