package cli

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/runtime"
)

// v4Set finds every repeated address, across blocks and back again,
// extreme addresses included.
func TestV4Set(t *testing.T) {
	var s v4Set
	addrs := []netip.Addr{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("255.255.255.255")}
	for i := range 3000 {
		addrs = append(addrs, netip.AddrFrom4([4]byte{10, byte(i >> 8 % 3), byte(i * 7), byte(i)}))
	}
	seen := map[netip.Addr]bool{}
	for range 2 {
		for _, a := range addrs {
			if got := s.add(a); got != seen[a] {
				t.Fatalf("add(%s): %v, want %v", a, got, seen[a])
			}
			seen[a] = true
		}
	}
}

// originList gives back each origin added, consecutive lines and a
// range's addresses sharing a run.
func TestOriginList(t *testing.T) {
	line := func(src, at int32) origin { return origin{src: src, at: at} }
	lines := func(src, from, n int32) []origin {
		var out []origin
		for i := range n {
			out = append(out, line(src, from+i))
		}
		return out
	}
	repeat := func(o origin, n int) []origin {
		var out []origin
		for range n {
			out = append(out, o)
		}
		return out
	}
	cat := func(parts ...[]origin) []origin {
		var out []origin
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name string
		from []origin
		runs int
	}{
		{"one target", []origin{line(0, 0)}, 1},
		{"a file's consecutive lines", lines(1, 1, 1000), 1},
		{"lines past a blank line", cat(lines(1, 1, 10), lines(1, 12, 10)), 2},
		{"a range then lines", cat(repeat(line(1, 1), 256), lines(1, 2, 5)), 2},
		{"lines then a range", cat(lines(1, 1, 5), repeat(line(1, 6), 256)), 2},
		{"flags then a file", cat(repeat(line(0, 0), 3), lines(1, 1, 3)), 2},
		{"an inject file's entries", lines(2, 0, 100), 1},
		{"every other line", []origin{line(1, 1), line(1, 3), line(1, 5), line(1, 7)}, 1}, // an inject file's entries of two lines each
		{"lines unequally apart", []origin{line(1, 1), line(1, 3), line(1, 4), line(1, 7)}, 2},
		{"a line repeated after the next", []origin{line(1, 1), line(1, 2), line(1, 2)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l originList
			for _, o := range tt.from {
				l.add(o)
			}
			if l.len() != len(tt.from) || len(l.runs) != tt.runs {
				t.Errorf("%d origins in %d runs, want %d in %d", l.len(), len(l.runs), len(tt.from), tt.runs)
			}
			for i, want := range tt.from {
				if got := l.at(i); got != want {
					t.Fatalf("at(%d) = %v, want %v", i, got, want)
				}
			}
		})
	}
}

// A CIDR range added to a list partly full makes room for its addresses
// exactly: append's growth rule left up to a quarter of the list empty.
func TestTargetListGrowsExactly(t *testing.T) {
	tests := []struct {
		name   string
		before int
		cidr   string
	}{
		{"a /23 after 1000 targets", 1000, "10.1.0.0/23"},
		{"a /16 after 40000 targets", 40_000, "10.2.0.0/16"},
		{"a /24 into an empty list", 0, "10.3.0.0/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTargetList(1<<20, false)
			src := l.source(fromFlags, "--target")
			for i := range tt.before {
				a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
				if i >= 256*256 {
					t.Fatal("too many targets before")
				}
				if err := l.add(runtime.TargetSpec{Value: a.String()}, origin{src: src}); err != nil {
					t.Fatal(err)
				}
			}
			room := cap(l.typed) - len(l.typed)
			if err := l.add(runtime.TargetSpec{Value: tt.cidr}, origin{src: src}); err != nil {
				t.Fatal(err)
			}
			want := tt.before + 1<<(32-netip.MustParsePrefix(tt.cidr).Bits())
			if room >= want-tt.before {
				want = tt.before + room // it fitted: no new list
			}
			if len(l.typed) != tt.before+1<<(32-netip.MustParsePrefix(tt.cidr).Bits()) || cap(l.typed) != want {
				t.Errorf("%d targets, capacity %d, want capacity %d", len(l.typed), cap(l.typed), want)
			}
		})
	}
}

// Many small ranges added one after another, past the room a first sizing
// made (a targets file's lines counted, each a /30), grow the list in
// amortised steps, not one copy of the whole list per range.
func TestTargetListManySmallRangesGrowAmortised(t *testing.T) {
	const lines = 20_000
	l := newTargetList(1<<20, false)
	l.grow(lines) // the first sizing: one target a line
	src := l.source(fromFlags, "--target")
	grown := 0
	for i := range lines {
		before := cap(l.typed)
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 30).String()
		if err := l.add(runtime.TargetSpec{Value: cidr}, origin{src: src}); err != nil {
			t.Fatal(err)
		}
		if cap(l.typed) != before {
			grown++
		}
	}
	if len(l.typed) != 4*lines {
		t.Fatalf("%d targets, want %d", len(l.typed), 4*lines)
	}
	if grown > 64 {
		t.Errorf("the list was made anew %d times for %d ranges of 4: want amortised growth (a few dozen at most)", grown, lines)
	}
}

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
			path := targetsFile(t, tt.text)
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
			path := targetsFile(t, tt.text)
			l, err := readTargets(path)
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
	path := targetsFile(t, b.String())
	l, err := readTargets(path)
	if err == nil {
		err = l.refusal() // the lines after it read, none kept
	}
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

// bareAddr is a target's address when the target is that address and
// nothing else, whichever field holds it; anything more (an attribution,
// a query) or an address in the other family's field makes it none.
func TestBareAddr(t *testing.T) {
	tests := []struct {
		spec runtime.TargetSpec
		want string
	}{
		{runtime.TargetSpec{Value: "10.0.0.4"}, "10.0.0.4"},
		{runtime.TargetSpec{TargetIPv4: "10.0.0.4"}, "10.0.0.4"},
		{runtime.TargetSpec{TargetIPv6: "::ffff:10.0.0.4"}, "10.0.0.4"},
		{runtime.TargetSpec{TargetIPv6: "FE80:0::1%eth0"}, "fe80::1%eth0"},
		{runtime.TargetSpec{Value: "fe80::1%eth0"}, "fe80::1%eth0"},
		{runtime.TargetSpec{TargetIPv4: "fe80::1"}, ""},
		{runtime.TargetSpec{TargetIPv6: "10.0.0.4"}, ""},
		{runtime.TargetSpec{TargetIPv4: "10.0.0.4", Asset: "a1"}, ""},
		{runtime.TargetSpec{TargetIPv4: "10.0.0.4", Query: "q"}, ""},
		{runtime.TargetSpec{Value: "10.0.0.4", TargetIPv4: "10.0.0.4"}, ""},
		{runtime.TargetSpec{Value: "web.example.com"}, ""},
		{runtime.TargetSpec{Value: "fe80::1%"}, ""},
	}
	for _, tt := range tests {
		got := bareAddr(tt.spec)
		if s := fmt.Sprint(got); (tt.want == "" && got.IsValid()) || (tt.want != "" && s != tt.want) {
			t.Errorf("bareAddr(%+v) = %v, want %q", tt.spec, got, tt.want)
		}
	}
}

// A lenient list (the openaev profile's) names the target an IPv4
// duplicate repeats, whichever field of an inject file's entry held it.
func TestLenientDuplicateNamesTheFirst(t *testing.T) {
	l := newTargetList(1<<20, true)
	l.lenient = true
	src := l.source(fromInjectFile, "x.json")
	for i, s := range []runtime.TargetSpec{{Value: "10.0.0.9"}, {TargetIPv4: "10.0.0.4"}, {Value: "10.0.0.4"}} {
		if err := l.add(s, origin{src: src, at: int32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if want := "10.0.0.4 at inject file x.json: targets[2] (first at inject file x.json: targets[1])"; l.dropped != 1 || l.firstDrop != want {
		t.Errorf("dropped %d, first %q; want 1, %q", l.dropped, l.firstDrop, want)
	}
}

// targetsFile writes text to a targets file of its own and returns its
// path.
func targetsFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "targets.txt")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readTargets reads the targets file at path into a new list, each line
// added as a --target is, and returns the list and the read's error.
func readTargets(path string) (*targetList, error) {
	l := newTargetList(1, false)
	l.source(fromFlags, "--target")
	err := readTargetsFile(context.Background(), l, path, "", func(v string, o origin) error {
		return l.add(runtime.TargetSpec{Value: v}, o)
	})
	return l, err
}
