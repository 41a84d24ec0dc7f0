package transport

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// leastByScan is the least size from lo to hi that fits, found by trying
// each in turn, or 0: what LeastFit and LeastFitFrom must return.
func leastByScan(lo, hi int, fits func(int) bool) int {
	for n := lo; n <= hi; n++ {
		if fits(n) {
			return n
		}
	}
	return 0
}

// callBound is the most calls of fits LeastFitFrom may make to find an
// answer d sizes away from its guess: doubling steps to pass the answer,
// one that overshoots, a binary search of the last step, and the guess.
func callBound(d int) int { return 2*bits.Len(uint(d)) + 2 }

// away is how far LeastFitFrom(lo, hi, guess) must search for want: from
// guess, taken into lo..hi, to want, or to hi when nothing fits (want 0).
func away(lo, hi, guess, want int) int {
	g := min(max(guess, lo), hi)
	if want == 0 {
		return hi - g
	}
	return max(want-g, g-want)
}

// LeastFitFrom returns what a scan of every size returns, for every
// monotone fits (the least fitting size, need, anywhere from below lo to
// past hi: it fits at lo, fits nowhere, fits only at hi), every range and
// every guess (in the range or out of it), calling fits only within
// lo..hi and O(log|answer-guess|) times; LeastFit, starting at lo, too.
func TestLeastFitFromIsTheScan(t *testing.T) {
	for lo := 1; lo <= 6; lo++ {
		for hi := lo - 1; hi <= lo+40; hi++ {
			for need := lo - 2; need <= hi+2; need++ {
				fits := func(size int) bool { return size >= need }
				want := leastByScan(lo, hi, fits)
				for guess := lo - 3; guess <= hi+3; guess++ {
					calls := 0
					got := LeastFitFrom(lo, hi, guess, func(size int) bool {
						calls++
						if size < lo || size > hi {
							t.Fatalf("LeastFitFrom(%d, %d, %d) with need %d asked for %d, out of range", lo, hi, guess, need, size)
						}
						return fits(size)
					})
					if got != want {
						t.Fatalf("LeastFitFrom(%d, %d, %d) with need %d = %d, want %d", lo, hi, guess, need, got, want)
					}
					if b := callBound(away(lo, hi, guess, want)); calls > b {
						t.Errorf("LeastFitFrom(%d, %d, %d) with need %d: %d calls, want at most %d", lo, hi, guess, need, calls, b)
					}
				}
				if got := LeastFit(lo, hi, fits); got != want {
					t.Fatalf("LeastFit(%d, %d) with need %d = %d, want %d", lo, hi, need, got, want)
				}
			}
		}
	}
}

// Over callback's range (a limit to 2 GiB less one), the answer is found
// wherever it lies, and in O(log|answer-guess|) calls: a guess at the
// answer takes two, however far the answer is from lo.
func TestLeastFitFromFarRange(t *testing.T) {
	const lo, hi = 553, 1<<31 - 1
	rng := rand.New(rand.NewPCG(1, 2))
	type row struct{ need, guess int }
	rows := []row{
		{lo, lo}, {lo, hi}, {hi, lo}, {hi, hi}, {hi + 1, lo}, {hi + 1, hi}, {lo + 1, lo}, {1 << 30, 1 << 30}, {1 << 30, 1<<30 - 1},
	}
	for range 2000 {
		need := lo + rng.IntN(1<<(1+rng.IntN(31)))
		rows = append(rows, row{need, need + rng.IntN(2048) - 1024}, row{need, lo + rng.IntN(hi-lo)})
	}
	for _, r := range rows {
		calls := 0
		fits := func(size int) bool { calls++; return size >= r.need }
		want := 0
		if r.need <= hi {
			want = max(r.need, lo)
		}
		got := LeastFitFrom(lo, hi, r.guess, fits)
		if got != want {
			t.Fatalf("need %d, guess %d: LeastFitFrom = %d, want %d", r.need, r.guess, got, want)
		}
		if b := callBound(away(lo, hi, r.guess, want)); calls > b {
			t.Errorf("need %d, guess %d: %d calls, want at most %d", r.need, r.guess, calls, b)
		}
		if want == r.guess && want > lo && calls != 2 {
			t.Errorf("need %d, guess %d (the answer): %d calls, want 2", r.need, r.guess, calls)
		}
	}
}
