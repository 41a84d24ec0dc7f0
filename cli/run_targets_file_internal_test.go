package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
// targets is made to hold them at once once its first target was taken,
// not grown line by line: a million targets' list grown so left four times its
// size of garbage, and both it and its larger copy were live while it
// grew.
func TestTargetsFileListSizedOnce(t *testing.T) {
	var many, across strings.Builder
	for i := range 400_000 {
		fmt.Fprintf(&many, "10.%d.%d.%d\n", i>>16, (i>>8)&255, i&255)
	}
	// Lines of 1000 bytes, mostly a comment: blocks cut lines.
	for i := range 10_000 {
		fmt.Fprintf(&across, "  10.1.%d.%d #%s\n", i>>8, i&255, strings.Repeat("c", 980))
	}
	tests := []struct {
		name string
		text string
		want int
	}{
		{"many short lines", many.String(), 400_000},
		{"lines across blocks", across.String(), 10_000},
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
			// A list made once, for want targets exactly; their origins,
			// consecutive lines, one run.
			if len(l.typed) != tt.want || cap(l.typed) != tt.want || len(l.from.runs) != 1 {
				t.Errorf("%d targets, list capacity %d (origin runs %d); want %d, %d (1)", len(l.typed), cap(l.typed),
					len(l.from.runs), tt.want, tt.want)
			}
		})
	}
}

// TestTargetsFileRefusedBeforeTheListIsMade checks that a targets file
// wrong from its first line is refused before the list is made for the
// targets its other lines count: ten million lines wrong at the first
// made a 720 MB list first.
func TestTargetsFileRefusedBeforeTheListIsMade(t *testing.T) {
	var b strings.Builder
	b.WriteString("# a comment\n\nnot a target\n")
	for i := range 200_000 {
		fmt.Fprintf(&b, "10.%d.%d.%d\n", i>>16, (i>>8)&255, i&255)
	}
	path := filepath.Join(t.TempDir(), "targets.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newTargetList(1, false)
	l.source(fromFlags, "--target")
	err := readTargetsFile(context.Background(), l, path, "", func(v string, o origin) error {
		return l.add(runtime.TargetSpec{Value: v}, o)
	})
	if err == nil || !strings.Contains(err.Error(), "not a target") {
		t.Fatalf("err = %v, want line 3 refused", err)
	}
	if cap(l.typed) != 0 || cap(l.from.runs) != 0 {
		t.Errorf("list capacity %d (origin runs %d) when line 3 was refused, want none", cap(l.typed), cap(l.from.runs))
	}
}

// readsAt is an io.ReaderAt over a text that records the furthest byte
// read.
type readsAt struct {
	r   *strings.Reader
	end int64
}

func (r *readsAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	r.end = max(r.end, off+int64(n))
	return n, err
}

// TestCountTargetsBounded checks that the first pass over a targets file
// counts its target lines from the offset given, reading no more than its
// bound: it read the whole of the file, 40 s for an 8 GiB sparse file,
// before any line was refused.
func TestCountTargetsBounded(t *testing.T) {
	line := "10.0.0.1  # a comment\n\n" // one target a line
	text, n := strings.Repeat(line, 10_000), int64(len(line))
	tests := []struct {
		name       string
		off, limit int64
		want       int
		wantEnd    int64
	}{
		{"the whole", 0, int64(len(text)) + 1, 10_000, int64(len(text))},
		{"from a line", n * 100, int64(len(text)), 9_900, int64(len(text))},
		{"bounded", 0, n * 1000, 1000, n * 1000},
		{"bounded past a block", n * 10, n * 5000, 5000, n * 5010},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &readsAt{r: strings.NewReader(text)}
			if got := countTargets(r, tt.off, tt.limit); got != tt.want || r.end != tt.wantEnd {
				t.Errorf("%d targets, read to %d; want %d, to %d", got, r.end, tt.want, tt.wantEnd)
			}
		})
	}
}
