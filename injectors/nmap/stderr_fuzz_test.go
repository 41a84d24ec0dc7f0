package nmap

import (
	"fmt"
	"maps"
	"strings"
	"testing"
)

// readUnresolved is a second reading of nmap's standard error, whole:
// its lines (the last one without its newline too), each of at most
// maxStderrLine bytes read, a "\r" before the newline dropped; a target's
// `Failed to resolve "NAME".` line names it unresolved unless named
// before, its `Warning: Hostname NAME resolves, but not to any IPv4
// address. Try scanning with -6` line names it so, whatever came before.
func readUnresolved(stderr string, want map[string]bool) map[string]string {
	var failed map[string]string
	for _, line := range strings.Split(stderr, "\n") {
		if len(line) > maxStderrLine {
			continue
		}
		line = strings.TrimSuffix(line, "\r")
		why := ""
		var name string
		if rest, ok := strings.CutPrefix(line, `Failed to resolve "`); ok && strings.HasSuffix(rest, `".`) {
			name, why = strings.TrimSuffix(rest, `".`), whyUnresolved
			if failed[name] != "" {
				continue
			}
		}
		const pre, post = "Warning: Hostname ", " resolves, but not to any IPv4 address. Try scanning with -6"
		if strings.HasPrefix(line, pre) && strings.HasSuffix(line, post) && len(line) >= len(pre)+len(post) {
			name, why = line[len(pre):len(line)-len(post)], whyNoIPv4
		}
		if why == "" || !want[name] {
			continue
		}
		if failed == nil {
			failed = map[string]string{}
		}
		failed[name] = why
	}
	return failed
}

// FuzzUnresolvedNames checks the reading of nmap's standard error as it
// streams in: whatever the writes it comes in (all at once, chunk bytes a
// write, a byte a write), the targets named unresolved are those of a
// second reading of the whole text (readUnresolved), and no more than a
// line is held.
func FuzzUnresolvedNames(f *testing.F) {
	long := strings.Repeat("a", maxStderrLine-len(`Failed to resolve "x".`))
	for _, s := range []string{
		"Failed to resolve \"nosuchhost.invalid\".\nFailed to resolve \"::1%nosuchif0\".\r\n",
		"Warning: Hostname v6only.test resolves, but not to any IPv4 address. Try scanning with -6\nFailed to resolve \"v6only.test\".",
		"Failed to resolve \"" + long + "\".\n", "Failed to resolve \"" + long + "x\".\r\n",
		"Warning: Hostname  resolves, but not to any IPv4 address. Try scanning with -6\n",
		"Failed to resolve \"\".\n\n\r\n", "",
	} {
		f.Add(s, 3, "x")
		f.Add(s, 0, long)
	}
	f.Fuzz(func(t *testing.T, stderr string, chunk int, extra string) {
		g := scanGroup{targets: []scanTarget{{value: "nosuchhost.invalid"}, {value: "::1%nosuchif0"}, {value: "v6only.test"},
			{value: "x"}, {input: extra}}}
		u0 := newUnresolvedNames(g)
		want := readUnresolved(stderr, u0.want)
		chunk = max(chunk%(len(stderr)+1), 1)
		for _, size := range []int{len(stderr) + 1, chunk, 1} {
			u := newUnresolvedNames(g)
			for rest := stderr; rest != ""; {
				n := min(len(rest), size)
				if w, err := u.Write([]byte(rest[:n])); w != n || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", n, w, err)
				}
				if len(u.line) > maxStderrLine {
					t.Fatalf("holds a line of %d bytes", len(u.line))
				}
				rest = rest[n:]
			}
			if got := u.names(); !maps.Equal(got, want) {
				t.Fatalf("%s: %d bytes a write: names %v, want %v", fmt.Sprintf("%q", stderr), size, got, want)
			}
		}
	})
}
