package callback

import (
	"errors"
	"fmt"
	"iter"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// Encode plans r's payload into bodies of at most maxPayloadSize bytes
// (0: transport.DefaultMaxPayloadSize) as the profile sends them: a
// target too large for any body once the injector ran is cut to fit
// (transport.Encode: its partial results, then its largest extra
// signatures), or, when its core signatures alone do not fit, left out,
// so that the others are delivered. log, when not nil, gets one WARN for
// each of these and for partial results cut.
func Encode(r *runtime.Report, maxPayloadSize int, log *zap.Logger) (*transport.Encoding, error) {
	return encodeReport(r, log, func(n int, rng signatures.PayloadRange) (*transport.Encoding, error) {
		return transport.EncodeRange(r.InjectID, r.Phase, n, rng, maxPayloadSize)
	})
}

// encodeReport is Encode with the planning of a payload given (a
// client's, with its size limit). A payload whose every target is too
// large is the first target's *transport.TargetTooLargeError: there is
// nothing to send.
func encodeReport(r *runtime.Report, log *zap.Logger, encode func(n int, rng signatures.PayloadRange) (*transport.Encoding, error)) (*transport.Encoding, error) {
	var (
		skip    []int // left out, ascending
		leftOut []*transport.TargetTooLargeError
	)
	for {
		rng, n := r.PayloadRange()
		enc, err := encode(n-len(skip), skipping(rng, n, skip))
		var tl *transport.TargetTooLargeError
		if !errors.As(err, &tl) || tl.Index < 0 {
			if err != nil {
				return nil, err
			}
			warnCut(log, r, enc, skip, leftOut)
			return enc, nil
		}
		tooLarge := *tl
		tooLarge.Index = original(tl.Index, skip)
		if len(skip)+1 >= len(r.Targets) {
			if len(leftOut) > 0 {
				return nil, leftOut[0]
			}
			return nil, &tooLarge
		}
		leftOut = append(leftOut, &tooLarge)
		skip = insert(skip, tooLarge.Index)
	}
}

// skipping is rng, over n targets, but those whose indices are in skip
// (ascending), numbered again from 0.
func skipping(rng signatures.PayloadRange, n int, skip []int) signatures.PayloadRange {
	if len(skip) == 0 {
		return rng
	}
	return func(lo, hi int) iter.Seq2[int, signatures.PayloadTarget] {
		return func(yield func(int, signatures.PayloadTarget) bool) {
			if lo >= hi {
				return
			}
			from := original(lo, skip)
			j, s := lo, sort.SearchInts(skip, from)
			for i, t := range rng(from, n) {
				if s < len(skip) && skip[s] == i {
					s++
					continue
				}
				if !yield(j, t) {
					return
				}
				if j++; j == hi {
					return
				}
			}
		}
	}
}

// original returns the index in the whole payload of target j of the
// payload less the targets in skip (ascending).
func original(j int, skip []int) int {
	for _, s := range skip {
		if s > j {
			break
		}
		j++
	}
	return j
}

// insert adds i to the ascending list skip.
func insert(skip []int, i int) []int {
	k := 0
	for k < len(skip) && skip[k] < i {
		k++
	}
	return append(skip[:k], append([]int{i}, skip[k:]...)...)
}

// maxNamed is how many targets a WARN names; each name is cut to
// nameLen bytes.
const (
	maxNamed = 5
	nameLen  = 128
)

// warnCut logs what the encoding left out to fit the size limit: the
// partial results cut (warnPartialsLeftOut), the extra signatures left
// out of a target, and the targets left out whole. Nothing on the wire
// says so (the format has no field for a note), so the run's log must.
func warnCut(log *zap.Logger, r *runtime.Report, enc *transport.Encoding, skip []int, leftOut []*transport.TargetTooLargeError) {
	if log == nil {
		return
	}
	warnPartialsLeftOut(log, r.InjectID, enc)
	if cuts := enc.ExtrasLeftOut(); len(cuts) > 0 {
		named := make([]string, 0, min(len(cuts), maxNamed))
		for _, c := range cuts[:min(len(cuts), maxNamed)] {
			named = append(named, fmt.Sprintf("%s: %d bytes; sent without %s (%d bytes)", targetName(r, original(c.Index, skip)),
				c.Size, signatures.Shorten(strings.Join(c.Extras, ", "), nameLen), c.Fitted))
		}
		log.Warn("extra signatures left out to fit the max payload size", zap.String("inject_id", r.InjectID),
			zap.Int("targets", len(cuts)), zap.String("cut", more(named, len(cuts))), zap.Int("max_payload_size", enc.MaxPayloadSize()))
	}
	if len(leftOut) > 0 {
		named := make([]string, 0, min(len(leftOut), maxNamed))
		for _, tl := range leftOut[:min(len(leftOut), maxNamed)] {
			named = append(named, fmt.Sprintf("%s: %d bytes", targetName(r, tl.Index), tl.Size))
		}
		log.Warn("signatures not sent: a target's are larger than the max payload size; the backend gets none for it",
			zap.String("inject_id", r.InjectID), zap.Int("targets", len(leftOut)), zap.String("left_out", more(named, len(leftOut))),
			zap.Int("max_payload_size", enc.MaxPayloadSize()))
	}
}

// targetName names target i of r by its value, cut to nameLen bytes, and
// its index: `targets[0] "127.0.0.1"`.
func targetName(r *runtime.Report, i int) string {
	name := fmt.Sprintf("targets[%d]", i)
	if i < len(r.Targets) {
		if v := configValue(r.Targets[i].Config); v != "" {
			name += fmt.Sprintf(" %q", signatures.Shorten(v, nameLen))
		}
	}
	return name
}

// more joins named, the first of n, and says how many others there are.
func more(named []string, n int) string {
	s := strings.Join(named, "; ")
	if n > len(named) {
		s += fmt.Sprintf("; and %d more", n-len(named))
	}
	return s
}
