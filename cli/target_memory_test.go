package cli_test

import (
	"context"
	"fmt"
	"io"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

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
