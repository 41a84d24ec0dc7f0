package cli_test

import (
	"context"
	"io"
	goruntime "runtime"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

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
