package openaev

import (
	"bytes"
	"encoding/json"
	"iter"
	"strconv"
)

// bodies returns the number of bodies of the plan and builds them, in
// order, as they are asked for: a body is valid until the next one is.
func (pl *plan) bodies() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		n := len(pl.sizes)
		buf := pl.open(make([]byte, 0, pl.sizes[0]), 0, n)
		cur, count := 0, 0
		next := func() bool {
			if !yield(cur, pl.close(buf, cur)) {
				return false
			}
			cur, count = cur+1, 0
			if cur < n {
				buf = pl.open(buf[:0], cur, n)
			}
			return true
		}
		for b, t := range pl.targets() {
			if b < 0 {
				continue // left out when planned
			}
			for cur < b {
				if !next() {
					return
				}
			}
			if count > 0 {
				buf = append(buf, ',')
			}
			buf = appendEscaped(buf, t)
			count++
		}
		for cur < n {
			if !next() {
				return
			}
		}
	}
}

// open starts body i of n: its envelope, then its structured output up to
// its first signature target.
func (pl *plan) open(dst []byte, i, n int) []byte {
	if i > 0 {
		e := pl.data
		e.Message = pl.dataMessage(strconv.Itoa(i+1), strconv.Itoa(n))
		dst = append(appendEnvelope(dst, e), '{')
		return appendEscaped(dst, sigOpen)
	}
	dst = append(appendEnvelope(dst, pl.complete), '{')
	if !pl.sigs {
		for k, pc := range append(pl.pre[:len(pl.pre):len(pl.pre)], pl.post...) {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = appendEscaped(dst, pc.raw)
		}
		return dst
	}
	for _, pc := range pl.pre {
		dst = append(appendEscaped(dst, pc.raw), ',')
	}
	return appendEscaped(dst, sigOpen)
}

// close ends body i.
func (pl *plan) close(dst []byte, i int) []byte {
	if pl.sigs {
		dst = appendEscaped(dst, sigClose)
		if i == 0 {
			for _, pc := range pl.post {
				dst = appendEscaped(append(dst, ','), pc.raw)
			}
		}
	}
	return append(dst, `}"}`...)
}

// targets yields, on the Current line, the signature targets the plan
// assigned, in order: the body each goes in (-1: left out, fitting in no
// body) and its JSON as the platform receives it (the platform's names,
// unescaped), valid until the next one is asked for.
func (pl *plan) targets() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		if !pl.sigs {
			return
		}
		var tbuf bytes.Buffer
		enc := json.NewEncoder(&tbuf)
		enc.SetEscapeHTML(false)
		var drops map[string]bool
		ord := 0
		for _, pt := range sendable(pl.r.PayloadTargets(), pl.types, &drops, pl.agents, pl.r.Indirect) {
			if ord >= len(pl.assign) {
				continue
			}
			b := pl.assign[ord]
			ord++
			tbuf.Reset()
			if enc.Encode(pt) != nil {
				continue // left out when planned
			}
			if !yield(b, scrubNUL(bytes.TrimSuffix(tbuf.Bytes(), []byte("\n")))) {
				return
			}
		}
	}
}

// sentFindings returns the names of the findings the terminal callback
// carries.
func (pl *plan) sentFindings() map[string]bool {
	sent := make(map[string]bool, len(pl.pre)+len(pl.post))
	for _, pc := range append(pl.pre[:len(pl.pre):len(pl.pre)], pl.post...) {
		sent[pc.key] = true
	}
	return sent
}

// size returns the bytes of all the plan's bodies, at most.
func (pl *plan) size() int64 {
	var n int64
	for _, s := range pl.sizes {
		n += int64(s)
	}
	return n
}

// unsent returns the signature targets the platform does not get when
// the bodies from index from on are not delivered, as it would have got
// them (see targets): those these bodies carry, and those left out of
// every body (none: empty, not nil).
func (pl *plan) unsent(from int) []json.RawMessage {
	out := []json.RawMessage{}
	for b, t := range pl.targets() {
		if b < 0 || b >= from {
			out = append(out, bytes.Clone(t))
		}
	}
	return out
}
