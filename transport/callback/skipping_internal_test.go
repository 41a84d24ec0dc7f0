package callback

import (
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// TestSkippingRanges checks that a range of a payload less the targets
// left out yields, numbered again from 0, the targets the whole of it
// yields at those numbers: transport.EncodeRange measures it in parts.
func TestSkippingRanges(t *testing.T) {
	const n = 12
	rng := func(lo, hi int) iter.Seq2[int, signatures.PayloadTarget] {
		return func(yield func(int, signatures.PayloadTarget) bool) {
			for i := lo; i < hi; i++ {
				if !yield(i, signatures.PayloadTarget{SignatureTarget: signatures.Attribution{Asset: fmt.Sprint(i)}}) {
					return
				}
			}
		}
	}
	for _, skip := range [][]int{nil, {0}, {3}, {3, 4, 9}, {0, 1, 11}} {
		t.Run(fmt.Sprint(skip), func(t *testing.T) {
			s := skipping(rng, n, skip)
			var whole []string
			for j, pt := range s(0, n-len(skip)) {
				whole = append(whole, fmt.Sprintf("%d=%s", j, pt.SignatureTarget.Asset))
			}
			for _, w := range whole {
				var j, i int
				if _, err := fmt.Sscanf(w, "%d=%d", &j, &i); err != nil || slices.Contains(skip, i) || original(j, skip) != i {
					t.Fatalf("%s: target %d yielded as %d (left out: %v)", w, i, j, skip)
				}
			}
			if len(whole) != n-len(skip) {
				t.Fatalf("%d targets, want %d: %v", len(whole), n-len(skip), whole)
			}
			for lo := range len(whole) + 1 {
				for hi := lo; hi <= len(whole); hi++ {
					var got []string
					for j, pt := range s(lo, hi) {
						got = append(got, fmt.Sprintf("%d=%s", j, pt.SignatureTarget.Asset))
					}
					if !slices.Equal(got, whole[lo:hi]) {
						t.Fatalf("range [%d,%d): %v, want %v", lo, hi, got, whole[lo:hi])
					}
				}
			}
		})
	}
}
