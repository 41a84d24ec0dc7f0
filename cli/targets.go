package cli

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A target of `run` comes from a flag (--target, --query, --cloud-*), a
// line of --targets-file or an entry of the inject file's targets. Each
// keeps where it was written, so that an error names that place
// (--target, hosts.txt:4, inject file x.json: targets[2]) rather than its
// position in the request. CIDR ranges expand to one target per address.

// sourceKind is where a target list comes from.
type sourceKind uint8

const (
	fromFlags      sourceKind = iota // name is the flag
	fromTargetFile                   // name is the file; at is its line
	fromInjectFile                   // name is the file; at is the index in its targets
)

type targetSource struct {
	kind sourceKind
	name string
	// where says, for flag sources, where the values were given when it
	// was not the flag itself: " (env INJECTKIT_TARGET)", " (config file
	// c.yaml:3)"; "" otherwise.
	where string
}

// origin is where one target was written: a source and a line or index.
type origin struct {
	src, at int32
}

// targetList is the targets of a run, each with its origin, in order:
// typed (the configuration each describes, one framework.Target a target,
// what the runtime hands the executor) or, when lenient, as written.
type targetList struct {
	sources []targetSource
	typed   []framework.Target   // unless lenient
	specs   []runtime.TargetSpec // when lenient
	from    originList
	// fileLines holds the line of each target of the inject file, by
	// its index in the file's targets (the at of its origin).
	fileLines originList
	// whereOf says where an item of a key of the configuration was
	// given, as runConfig.whereItem does (nil: nowhere said).
	whereOf func(key, item string) string
	// max is the most addresses CIDR ranges may expand to, all together;
	// expanded counts them. maxWhere says where max was given, as
	// targetSource.where does.
	max, expanded int
	maxWhere      string
	// sizeName names the max_payload_size setting as the user gave it
	// ("--max-payload-size", "max_payload_size, env …"), for a target too
	// large for any body.
	sizeName string
	// lenient leaves the checks of each target to the runtime, whose
	// refusal a wire profile reports (the openaev profile's
	// INVALID_USAGE): a target is only expanded and deduplicated, and
	// relabel names it in the error.
	lenient bool
	// why holds, by index, the error of a target kept for the runtime to
	// refuse (lenient) that the command line names better than relabel
	// would: a cloud target the flags leave incomplete.
	why map[int]error
	// category is the category of the first target, first its origin:
	// every target shares it.
	category signatures.Category
	first    origin
	// seen holds each target kept, when duplicates are dropped (nil
	// otherwise); dropped counts those dropped, firstDrop names the first.
	seen      *seenTargets
	dropped   int
	firstDrop string
	// refused are the targets refused so far, named together once the
	// list is made (refusal).
	refused refusedTargets
	// written holds, by index, a typed target whose address or host name
	// was written otherwise than its canonical form (0X7F000001., a
	// mapped ::ffff:127.0.0.1), as written, so that the injector's
	// refusal of its canonical form quotes what the user wrote (writtenAs);
	// the common target, written canonical, is not held.
	written map[int32]runtime.TargetSpec
	// portAdvice: see runConfig.portAdvice.
	portAdvice string
	// heap: see runConfig.heap.
	heap *heapHold
}

func newTargetList(max int, dedupe bool) *targetList {
	l := &targetList{max: max}
	if dedupe {
		l.seen = &seenTargets{addrs: map[netip.Addr]int32{}, keys: map[string]int32{}}
	}
	return l
}

// len returns the number of targets kept.
func (l *targetList) len() int { return l.from.len() }

// grow makes room for n more targets, exactly: slices.Grow, as append,
// may leave up to a quarter more than asked, at a million targets 16 MB
// that no target fills.
func (l *targetList) grow(n int) {
	if l.lenient {
		l.specs = growExactly(l.specs, n)
	} else {
		l.typed = growExactly(l.typed, n)
	}
}

// growExactly returns s with room for n more elements, its capacity
// len(s)+n when it had less room and n is at least a quarter of len(s)
// (a first sizing, a range large beside the list); for a smaller n it
// grows by a quarter of len(s), so that many small ranges added one after
// another cost amortised copies, not one copy of the whole list each.
func growExactly[T any](s []T, n int) []T {
	if n <= cap(s)-len(s) {
		return s
	}
	out := make([]T, len(s), len(s)+max(n, len(s)/4))
	copy(out, s)
	return out
}

// source adds a source and returns its index.
func (l *targetList) source(kind sourceKind, name string) int32 {
	return l.sourceFrom(kind, name, "")
}

// sourceFrom adds a source given at where (see targetSource.where) and
// returns its index.
func (l *targetList) sourceFrom(kind sourceKind, name, where string) int32 {
	if where == " ("+name+")" {
		where = "" // the flag itself: the message names it already
	}
	l.sources = append(l.sources, targetSource{kind, name, where})
	return int32(len(l.sources) - 1)
}

// label names where a target was written (o), for a message: the flag,
// or where its value was given instead ("env INJECTKIT_TARGET"), and which
// of several values given there it is ("--target #3").
func (l *targetList) label(o origin) string {
	s := l.sources[o.src]
	switch s.kind {
	case fromTargetFile:
		return fmt.Sprintf("%s:%d", s.name, o.at)
	case fromInjectFile:
		return fmt.Sprintf("%s: targets[%d]", l.fileAt(s, o), o.at)
	}
	name := s.name
	if s.where != "" {
		name = strings.TrimSuffix(strings.TrimPrefix(s.where, " ("), ")")
	}
	return name + position(o)
}

// position names which of several values of a flag o is (" #3"), "" when
// the flag was given once.
func position(o origin) string {
	if o.at > 0 {
		return fmt.Sprintf(" #%d", o.at)
	}
	return ""
}

// flagWhere says where value of flag was given when it was not the flag
// itself (" (env INJECTKIT_CLOUD_REGION)", " (config file c.yaml:4)"), ""
// otherwise.
func (l *targetList) flagWhere(flag, value string) string {
	if l.whereOf == nil {
		return ""
	}
	w := l.whereOf(strings.ReplaceAll(strings.TrimPrefix(flag, "--"), "-", "_"), value)
	if w == " ("+flag+")" {
		return ""
	}
	return w
}

// add validates spec, written at o, expands it when it holds a CIDR range
// (value, target_ipv4 or target_ipv6), and appends it. An error is a usage
// error naming o.
func (l *targetList) add(spec runtime.TargetSpec, o origin) error {
	key, text := rangeOf(spec)
	if key == "" {
		return l.appendOne(spec, o)
	}
	bad := func(reason string) error {
		return l.reject(func() error {
			return l.invalid(o, spec, &signatures.ValidationError{Field: key, Value: text, Reason: reason})
		})
	}
	p, err := netip.ParsePrefix(text)
	wrong := wrongFamily(spec, key, p)
	switch {
	case (err != nil || wrong != "") && l.lenient:
		return l.appendOne(spec, o) // the runtime names the range as written
	case err != nil:
		return bad(signatures.RangeReason(text))
	case wrong != "":
		return bad(wrong)
	}
	p = p.Masked()
	bits := p.Addr().BitLen() - p.Bits()
	if bits >= 62 || l.expanded+(1<<bits) > l.max {
		total := fmt.Sprintf("2^%d", bits)
		if bits < 62 {
			total = fmt.Sprint(l.expanded + 1<<bits)
		}
		return bad(fmt.Sprintf("CIDR ranges expand to %s addresses in all, more than --max-targets %d%s", total, l.max, l.maxWhere))
	}
	l.expanded += 1 << bits
	l.grow(1 << bits) // at once: a /8 grown by append peaks at twice its list
	a := p.Addr()
	for range 1 << bits {
		if reason := signatures.NotAHost(a); reason != "" {
			return bad(fmt.Sprintf("the range holds %s: %s", a, reason))
		}
		one := spec
		switch key {
		case "target_ipv4":
			one.TargetIPv4 = a.String()
		case "target_ipv6":
			one.TargetIPv6 = a.String()
		default:
			one.Value = a.String()
		}
		if err := l.appendOne(one, o); err != nil {
			return err
		}
		a = a.Next()
	}
	return nil
}

// appendOne validates one target and appends it, unless it repeats one
// already kept (when duplicates are dropped).
func (l *targetList) appendOne(spec runtime.TargetSpec, o origin) error {
	c, addr, err := classify(spec)
	var cat signatures.Category
	if err == nil {
		cat = c.Category()
	}
	switch {
	case err != nil && !l.lenient:
		return l.reject(func() error { return l.invalid(o, spec, err) })
	case l.lenient:
	case l.category == "":
		l.category, l.first = cat, o
	case cat != l.category:
		first := l.label(l.first)
		if l.sources[l.first.src].kind == fromInjectFile {
			first = fmt.Sprintf("targets[%d]", l.first.at)
		}
		return l.reject(func() error {
			return l.invalid(o, spec, &signatures.ValidationError{
				Reason: signatures.ReasonOtherCategory(cat, first, l.category)})
		})
	}
	if l.refused.count > 0 {
		// The run is refused: the targets after are only checked, to be
		// named if refused too, not kept.
		return nil
	}
	if l.seen != nil {
		if i, dup := l.seen.add(spec, addr, int32(l.len())); dup {
			if l.dropped == 0 {
				if i < 0 {
					i = l.firstV4(addr)
				}
				l.firstDrop = fmt.Sprintf("%s at %s (first at %s)", describeSpec(spec), l.label(o), l.label(l.from.at(int(i))))
			}
			l.dropped++
			return nil
		}
	}
	if l.lenient {
		l.specs = append(l.specs, spec)
	} else {
		if writtenOtherwise(spec) {
			if l.written == nil {
				l.written = map[int32]runtime.TargetSpec{}
			}
			l.written[int32(len(l.typed))] = spec
		}
		l.typed = append(l.typed, framework.Target{Config: c, Attribution: spec.Attribution()})
	}
	l.from.add(o)
	return nil
}
