package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// TestReadTargetsFileInBlocks checks that a targets file read a block at a
// time gives each target once, with its line, whatever block boundary a
// line straddles, and that its lines share their block's allocations: a
// million-line file cost a million strings, one a line.
func TestReadTargetsFileInBlocks(t *testing.T) {
	var many, across strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&many, "10.0.%d.%d\n", i>>8, i&255)
	}
	// Lines of 1000 bytes: the file is three reads long, lines cut by each.
	for i := range 3000 {
		fmt.Fprintf(&across, "%s%04d\n", strings.Repeat("h", 996), i)
	}
	tests := []struct {
		name      string
		text      string
		maxAllocs float64 // 0: not checked
	}{
		{"many short lines", many.String(), 64},
		{"lines across blocks", across.String(), 0},
		{"mark, comments, CRLF, no last line end", "\ufeff10.0.0.1 # a\r\n\r\n# only a comment\n  10.0.0.2\t\r\n10.0.0.3", 0},
		{"mostly comments", "10.0.0.1 #" + strings.Repeat("c", 5000) + "\n#\n10.0.0.2\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "targets.txt")
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			var want []string
			for n, line := range strings.Split(strings.TrimPrefix(tt.text, "\ufeff"), "\n") {
				if v := strings.TrimSpace(strings.SplitN(line, "#", 2)[0]); v != "" {
					want = append(want, fmt.Sprintf("%d %s", n+1, v))
				}
			}
			var got []string
			l := newTargetList(1, false)
			err := readTargetsFile(context.Background(), l, path, "", func(v string, o origin) error {
				got = append(got, fmt.Sprintf("%d %s", o.at, v))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got %d targets, want %d; first got %q, want %q", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
			}
			if tt.maxAllocs == 0 {
				return
			}
			allocs := testing.AllocsPerRun(3, func() {
				_ = readTargetsFile(context.Background(), newTargetList(1, false), path, "", func(string, origin) error { return nil })
			})
			if allocs > tt.maxAllocs {
				t.Errorf("%v allocations for %d lines, want at most %v", allocs, len(want), tt.maxAllocs)
			}
		})
	}
}

// TestTargetsFileListSizedOnce checks that the list of a targets file's
// targets is made to hold them at once, not grown line by line: a
// million targets' list grown so left four times its size of garbage,
// and both it and its larger copy were live while it grew.
func TestTargetsFileListSizedOnce(t *testing.T) {
	var many, across strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&many, "10.0.%d.%d\n", i>>8, i&255)
	}
	// Lines of 1000 bytes, mostly a comment: blocks cut lines.
	for i := range 3000 {
		fmt.Fprintf(&across, "  10.1.%d.%d #%s\n", i>>8, i&255, strings.Repeat("c", 980))
	}
	tests := []struct {
		name string
		text string
		want int
	}{
		{"many short lines", many.String(), 10_000},
		{"lines across blocks", across.String(), 3000},
		{"comments, blank lines, CRLF, no last line end", "\ufeff10.0.0.1 # a\r\n\r\n# only a comment\n \t\n  10.0.0.2\t\r\n10.0.0.3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "targets.txt")
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			l := newTargetList(1, false)
			l.source(fromFlags, "--target")
			err := readTargetsFile(context.Background(), l, path, "", func(v string, o origin) error {
				return l.add(runtime.TargetSpec{Value: v}, o)
			})
			if err != nil {
				t.Fatal(err)
			}
			// The capacity of a list made for want targets, rounded up to
			// its allocation's size.
			once, onceFrom := cap(slices.Grow([]framework.Target(nil), tt.want)), cap(slices.Grow([]origin(nil), tt.want))
			if len(l.typed) != tt.want || cap(l.typed) != once || cap(l.from) != onceFrom {
				t.Errorf("%d targets, list capacity %d (origins %d); want %d, %d (%d)", len(l.typed), cap(l.typed), cap(l.from),
					tt.want, once, onceFrom)
			}
		})
	}
}
