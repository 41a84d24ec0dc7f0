package cli

import (
	"net/netip"
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
