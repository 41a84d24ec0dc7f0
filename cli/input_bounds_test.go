package cli_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
)

// endless is a named pipe a writer fills with zero bytes, up to total,
// as /dev/zero would without end; written reports how many bytes the
// reader took (those the pipe accepted) once the writer is done.
func endless(t *testing.T, total int) (path string, written func() int) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "endless")
	testkit.FIFO(t, path)
	done := make(chan int, 1)
	go func() {
		n := 0
		defer func() { done <- n }()
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := make([]byte, 64<<10)
		for n < total {
			m, err := w.Write(chunk[:min(len(chunk), total-n)])
			n += m
			if err != nil { // the reader closed the pipe: EPIPE
				return
			}
		}
	}()
	t.Cleanup(func() {
		// A reader that never came: open the pipe so the writer ends.
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
	})
	return path, func() int { return <-done }
}

// An input with no end (/dev/zero, a pipe that never closes) is refused
// with exit 2 once it passes its input's bound, naming the setting, the
// path, where it was given and the bound, and no more than a little past
// the bound is read: a file read whole is read at most one byte past its
// bound, a targets file one line past 1 MiB.
func TestInputWithNoEndIsRefusedAtItsBound(t *testing.T) {
	const (
		mib = 1 << 20
		// slack is what the pipe holds and the reader's last buffer
		// beside the bytes the reader kept.
		slack = 256 << 10
	)
	backend := []string{"--backend-url", "https://127.0.0.1:1", "--inject-id", "inj-zero", "--token", "abcdefgh12", "--outbox", "none"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "abcdefgh12",
		"--injector-id", "00000000-0000-4000-8000-000000000001", "--injectors", "noop"}
	tests := []struct {
		name  string
		args  func(path string) []string
		bound int
		want  func(path string) string
	}{
		{"--targets-file", func(p string) []string { return []string{"run", "noop", "--targets-file", p} }, mib,
			func(p string) string { return p + ":1: line longer than 1 MiB (1048576 bytes)" }},
		{"--config", func(p string) []string { return []string{"run", "noop", "--target", "127.0.0.1", "--config", p} }, 4 * mib,
			func(p string) string {
				return fmt.Sprintf(`invalid config %q (--config): larger than 4194304 bytes (4 MiB), the most it may hold`, p)
			}},
		{"--inject-file", func(p string) []string { return []string{"validate", "noop", "--inject-file", p} }, 64 * mib,
			func(p string) string {
				return fmt.Sprintf(`invalid inject_file %q (--inject-file): larger than 67108864 bytes (64 MiB), the most it may hold`, p)
			}},
		{"--openaev-message", func(p string) []string { return []string{"run", "--openaev-message", p} }, 16 * mib,
			func(p string) string {
				return fmt.Sprintf(`invalid openaev_message %q (--openaev-message): larger than 16777216 bytes (16 MiB), the most it may hold`, p)
			}},
		{"run --ca-file", func(p string) []string {
			return append([]string{"run", "noop", "--target", "127.0.0.1", "--ca-file", p}, backend...)
		}, 4 * mib, func(p string) string {
			return fmt.Sprintf(`invalid ca_file %q (--ca-file): larger than 4194304 bytes (4 MiB), the most it may hold`, p)
		}},
		{"serve --ca-file", func(p string) []string { return append(serve, "--ca-file", p) }, 4 * mib,
			func(p string) string {
				return fmt.Sprintf(`invalid ca_file %q (--ca-file): larger than 4194304 bytes (4 MiB), the most it may hold`, p)
			}},
		{"serve --broker-ca-file", func(p string) []string { return append(serve, "--broker-ca-file", p) }, 4 * mib,
			func(p string) string {
				return fmt.Sprintf(`invalid broker_ca_file %q (--broker-ca-file): larger than 4194304 bytes (4 MiB), the most it may hold`, p)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, written := endless(t, 2*tt.bound+slack)
			r := run(t, registry(), nil, append(tt.args(path), "--log-level", "error")...)
			if want := tt.want(path); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stdout, r.stderr, want)
			}
			if n := written(); n > tt.bound+slack {
				t.Errorf("%d bytes read, want at most %d: the bound (%d) is found reading past it", n, tt.bound+slack, tt.bound)
			}
		})
	}
}

// A targets file's line may hold 1 MiB, its line end aside; one byte
// more is refused, naming the file and the line.
func TestTargetsFileLineLimit(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	tests := []struct {
		name, content, want string
	}{
		{"1 MiB comment line", "# " + long[2:] + "\r\n127.0.0.1\n", ""},
		{"1 MiB and one byte", "127.0.0.1\n#" + long + "\n", ":2: line longer than 1 MiB (1048576 bytes)"},
		{"1 MiB and one byte, no line end", "127.0.0.1\n#" + long, ":2: line longer than 1 MiB (1048576 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "hosts.txt", tt.content)
			r := run(t, registry(), nil, "validate", "noop", "--targets-file", p, "--log-level", "error")
			switch {
			case tt.want == "" && r.code != 0:
				t.Errorf("exit %d, want 0: %s", r.code, r.stderr)
			case tt.want != "" && (r.code != 2 || !strings.Contains(r.stderr, p+tt.want)):
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, p+tt.want)
			}
		})
	}
}

// TestInjectFileBytesPerTarget: validate and run read an inject file's
// targets one at a time into their typed form, with no generic tree and
// no TargetSpec list besides: the bytes allocated for each more target,
// found as the difference between two sizes of file (what every
// validate allocates whatever its targets cancels out), stay under a
// ceiling. Decoded whole into a growing []TargetSpec, then typed, a
// target cost about 1 600 bytes (1 850 under -race), and a 64 MiB file 3.5 GB of memory.
func TestInjectFileBytesPerTarget(t *testing.T) {
	const ceiling = 1100 // bytes allocated a target, garbage included (about 550 now, 800 under -race)
	tests := []struct {
		name   string
		target func(i int) string
	}{
		{"IPv4 addresses", func(i int) string { return fmt.Sprintf(`{"value":"10.%d.%d.%d"}`, i>>16&255, i>>8&255, i&255) }},
		{"host names", func(int) string { return `{"value":"abc"}` }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocated := func(n int) uint64 {
				items := make([]string, n)
				for i := range items {
					items[i] = tt.target(i + 1)
				}
				path := writeFile(t, "inject.json",
					`{"injector":"noop","targets":[`+strings.Join(items, ",")+`]}`)
				o := cli.Options{Registry: registry(), Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
					Getenv: func(string) string { return "" }}
				var before, after goruntime.MemStats
				goruntime.GC()
				goruntime.ReadMemStats(&before)
				code := cli.Run(context.Background(), o, []string{"injectkit", "validate", "--inject-file", path})
				goruntime.ReadMemStats(&after)
				if code != 0 {
					t.Fatalf("validate of %d targets: exit %d", n, code)
				}
				return after.TotalAlloc - before.TotalAlloc
			}
			const n = 20_000
			small, large := allocated(n), allocated(2*n)
			if per := (int64(large) - int64(small)) / n; per > ceiling {
				t.Errorf("%d bytes allocated a target, want at most %d", per, ceiling)
			}
		})
	}
}

// TestTargetRangeBytesPerAddress: a CIDR range given to --target makes
// room for its addresses at once, not by appending one at a time (which
// copies the list each time it grows, and at a /8 held twice the list at
// once: 8 GB): the bytes allocated for each more address, found as the
// difference between a /16 and a /15, stay under a ceiling.
func TestTargetRangeBytesPerAddress(t *testing.T) {
	const ceiling = 300 // bytes allocated an address, garbage included
	allocated := func(cidr string) uint64 {
		o := cli.Options{Registry: registry(), Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
			Getenv: func(string) string { return "" }}
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		code := cli.Run(context.Background(), o, []string{"injectkit", "validate", "noop", "--max-targets", "200000", "--target", cidr})
		goruntime.ReadMemStats(&after)
		if code != 0 {
			t.Fatalf("validate of --target %s: exit %d", cidr, code)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := allocated("10.0.0.0/16"), allocated("10.0.0.0/15")
	per := (int64(large) - int64(small)) / (1 << 16)
	if per > ceiling {
		t.Errorf("%d bytes allocated an address, want at most %d", per, ceiling)
	}
}
