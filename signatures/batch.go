package signatures

import (
	"fmt"
	"iter"
	"maps"
	"net/netip"
	"slices"
	"sync"
)

// Batch is the signatures of a list of targets held as what they share
// (source addresses, times, status, extras), each target's share of a
// timed-out run's partial results and a way to reach each target's
// configuration: a signature is built only when asked for, so that a
// million targets cost no more than their configurations.
// Manager.Batch compiles the pre-execution batch, Manager.Post the
// post-execution one; their signatures are those of CompilePre and
// CompilePost. A Batch is immutable and safe for concurrent use.
type Batch struct {
	n       int
	config  func(i int) Config
	shared  Signature // every field but the identity and the partial results
	partial *partials // nil when there are none
	// source, when not nil, waits for the source addresses looked up in
	// the background (network batches) and returns them; shared's source
	// fields are unset until then.
	source func() SourceIPs
	// routes, when not nil, gives each network target its own source
	// addresses (PerRoute), in place of shared's.
	routes *RouteSources
	// notReached, when not nil, says why target i was not reached ("":
	// it was); see NotReached.
	notReached func(i int) string
	// addrs, when not nil, gives the addresses the tool sent to for host
	// name target i; see TargetAddresses.
	addrs func(i int) []netip.Addr
}

// BatchOption tunes one call of Batch.
type BatchOption func(*Batch)

// PerRoute gives each network target of the batch the source addresses r
// finds for it (RouteSources.For), the one on the route to the target,
// rather than the host-wide ones every target shares otherwise; nil
// changes nothing. The post-execution batch keeps them.
func PerRoute(r *RouteSources) BatchOption {
	return func(b *Batch) {
		if r != nil {
			b.routes = r
		}
	}
}

// Batch returns the pre-execution signatures of n configurations, config(i)
// giving the i-th, stamped with the time of the call, as CompilePre would
// compile them. config is called again each time a signature is built and
// must keep returning the same configuration. Each configuration must be
// valid (Config.Validate: the caller checked it when it typed the target);
// Batch checks that none is nil and that all share one category.
func (m *Manager) Batch(n int, config func(i int) Config, opts ...BatchOption) (*Batch, error) {
	if n == 0 {
		return nil, ErrNoConfigs
	}
	var cat Category
	for i := range n {
		c := config(i)
		if isNil(c) {
			return nil, &ValidationError{Field: fmt.Sprintf("configs[%d]", i), Reason: "nil configuration"}
		}
		switch {
		case i == 0:
			cat = c.Category()
		case c.Category() != cat:
			return nil, &ValidationError{Field: "configs", Value: string(cat) + "," + string(c.Category()),
				Reason: "configurations of mixed categories"}
		}
	}
	b := &Batch{n: n, config: config}
	for _, o := range opts {
		o(b)
	}
	b.shared.StartTime = m.now().UTC().Format(TimeFormat)
	if cat == Network {
		// Looked up while the tool runs: the first reader of the batch
		// waits for it.
		found := make(chan SourceIPs, 1)
		go func() {
			src := m.ResolveSourceIP()
			if b.routes == nil { // else each target's own say (RouteSources.For)
				m.warnNoIPv4(src, n, config)
			}
			found <- src
		}()
		b.source = sync.OnceValue(func() SourceIPs { return <-found })
	}
	return b, nil
}

// Len returns the number of signatures.
func (b *Batch) Len() int { return b.n }

// Signature returns signature i (its Extra map is its own).
func (b *Batch) Signature(i int) Signature {
	var s Signature
	b.fill(i, &s)
	if len(s.Extra) > 0 {
		s.Extra = maps.Clone(s.Extra)
	}
	return s
}

// base returns what every signature of the batch shares, its source
// addresses waited for.
func (b *Batch) base() Signature {
	s := b.shared
	if b.source != nil {
		src := b.source()
		s.SourceIPv4, s.SourceIPv6 = src.IPv4, src.IPv6
	}
	return s
}

// fill writes signature i into s; s.Extra is the batch's, shared.
func (b *Batch) fill(i int, s *Signature) {
	if b.notReached != nil {
		if why := b.notReached(i); why != "" {
			*s = NotReachedSignature(b.shared.ExecutionStatus, why)
			return
		}
	}
	*s = b.base()
	c := b.config(i)
	c.identity(s)
	b.addressed(i, s)
	b.routed(c, s)
	s.PartialResults = b.partial.of(i)
}

// routed sets the source addresses of s, a signature of c, to c's own
// when the batch finds them per route, and logs noIPv4 when s carries
// source_ipv4=unknown.
func (b *Batch) routed(c Config, s *Signature) {
	if b.routes == nil || c.Category() != Network {
		return
	}
	src := b.routes.For(c)
	s.SourceIPv4, s.SourceIPv6 = src.IPv4, src.IPv6
	if src.IPv4 == UnknownSourceIP {
		b.routes.m.noIPv4(needsIPv4(c))
	}
}

// All yields every signature in order (each as Signature returns it).
func (b *Batch) All() iter.Seq2[int, Signature] {
	return func(yield func(int, Signature) bool) {
		for i := range b.n {
			if !yield(i, b.Signature(i)) {
				return
			}
		}
	}
}

// PayloadTargets is the package-level PayloadTargets over the batch's
// signatures, the metadata of target i given by target(i).
func (b *Batch) PayloadTargets(target func(i int) Attribution, types []ExpectationType, extras TypeExtras, targetExtras ...TypeExtras) (iter.Seq2[int, PayloadTarget], error) {
	rng, err := b.PayloadRange(target, types, extras, targetExtras...)
	if err != nil {
		return nil, err
	}
	return rng(0, b.n), nil
}

// PayloadRange yields the targets lo to hi-1 of a payload, with their
// indices, as its whole sequence (PayloadTargets) yields them: ranges can
// be read apart, each in a goroutine of its own. Like PayloadTargets', a
// range's yielded target is valid until its next.
type PayloadRange func(lo, hi int) iter.Seq2[int, PayloadTarget]

// PayloadRange is PayloadTargets by ranges of targets (see the type).
func (b *Batch) PayloadRange(target func(i int) Attribution, types []ExpectationType, extras TypeExtras, targetExtras ...TypeExtras) (PayloadRange, error) {
	if err := checkPayloadArgs(b.n, b.n, types, extras, targetExtras); err != nil {
		return nil, err
	}
	if len(targetExtras) == 0 && b.notReached == nil {
		return func(lo, hi int) iter.Seq2[int, PayloadTarget] {
			return func(yield func(int, PayloadTarget) bool) {
				tb := b.newTemplate(target, types, extras)
				for i := lo; i < hi; i++ {
					if !yield(i, tb.build(i)) {
						return
					}
				}
			}
		}, nil
	}
	return func(lo, hi int) iter.Seq2[int, PayloadTarget] {
		return func(yield func(int, PayloadTarget) bool) {
			var s Signature
			pb := payloadBuilder{
				sig:    func(i int) *Signature { b.fill(i, &s); return &s },
				target: target, types: types, extras: extras, targetExtras: targetExtras,
			}
			for i := lo; i < hi; i++ {
				if !yield(i, pb.build(i, true)) {
					return
				}
			}
		}
	}, nil
}

// template builds the payload targets of a batch without per-target
// extras: every value but the identity and the partial results is the
// same for all targets, built (and boxed) once; a target's values are the
// shared head (source addresses; none when the batch finds them per
// route, the identity then holding them), its identity, the shared
// middle (times, status), its partial results and the shared tail of its
// type (extras).
// Types without extras of their own share one values slice, as
// payloadBuilder's do.
type template struct {
	b      *Batch
	target func(int) Attribution
	types  []ExpectationType
	head   []Value
	mid    []Value
	tails  [][]Value
	plain  []bool
	most   int // the longest tail

	id     Signature // the identity of the target being built
	ident  []Field
	boxes  boxCache
	pv     [1]Value // the partial results of the target being built
	vals   []Value
	groups []ValueGroup
	// The layout of the target built last (built: there is one): the
	// number of its identity values, whether it had partial results, and
	// where the values of each of its groups not shared start in vals.
	// The next target of that layout only writes its own values there.
	built    bool
	identN   int
	partials bool
	starts   []int
}

func (b *Batch) newTemplate(target func(int) Attribution, types []ExpectationType, extras TypeExtras) *template {
	t := &template{b: b, target: target, types: types, tails: make([][]Value, len(types)), plain: make([]bool, len(types))}
	core := b.shared.appendCore(nil) // no identity, no partial results: source fields, then times, status
	split := 0
	for split < len(core) && (core[split].Name == FieldSourceIPv4 || core[split].Name == FieldSourceIPv6) {
		split++
	}
	for _, f := range core[:split] {
		if b.routes == nil {
			t.head = append(t.head, Value{f.Name, f.Value})
		}
	}
	for _, f := range core[split:] {
		t.mid = append(t.mid, Value{f.Name, f.Value})
	}
	for j, et := range types {
		t.plain[j] = len(extras[et]) == 0
		var tail []Value
		for _, f := range appendSorted(nil, mergeExtras(b.shared.Extra, extras[et])) {
			tail = append(tail, Value{f.Name, f.Value})
		}
		t.tails[j] = tail
		t.most = max(t.most, len(tail))
	}
	return t
}

// build builds target i into the template's reused buffers.
func (t *template) build(i int) PayloadTarget {
	c := t.b.config(i)
	if n, ok := c.(NetworkConfig); ok && t.b.routes == nil && (t.b.addrs == nil || n.TargetHostname == "") {
		// Its identity is its own fields alone: what appendCoreBoxed
		// appends of a signature holding them, without one filled and
		// its every field looked at (twice a target of a million).
		t.ident = n.appendIdentity(t.ident[:0], &t.boxes)
	} else {
		t.id = Signature{}
		c.identity(&t.id)
		t.b.addressed(i, &t.id)
		t.b.routed(c, &t.id)
		t.ident = t.id.appendCoreBoxed(t.ident[:0], &t.boxes)
	}
	var partial []Value
	if pr := t.b.partial.of(i); len(pr) > 0 {
		t.pv[0] = Value{FieldPartialResults, pr}
		partial = t.pv[:]
	}
	if t.built && len(t.ident) == t.identN && (partial != nil) == t.partials {
		// The values around the target's own are those of the last
		// target, in place: only its own are written.
		for _, from := range t.starts {
			at := from + len(t.head)
			for k, f := range t.ident {
				t.vals[at+k] = Value{f.Name, f.Value}
			}
			if partial != nil {
				t.vals[at+len(t.ident)+len(t.mid)] = partial[0]
			}
		}
		return PayloadTarget{SignatureTarget: t.target(i), SignatureValues: t.groups}
	}
	t.built, t.identN, t.partials, t.starts = true, len(t.ident), partial != nil, t.starts[:0]
	n := len(t.head) + len(t.ident) + len(t.mid) + len(partial) + t.most
	t.vals = slices.Grow(t.vals[:0], n*len(t.types))
	t.groups = slices.Grow(t.groups[:0], len(t.types))
	var shared []Value
	for j, et := range t.types {
		if t.plain[j] && shared != nil {
			t.groups = append(t.groups, ValueGroup{ExpectationType: et, Values: shared})
			continue
		}
		from := len(t.vals)
		t.starts = append(t.starts, from)
		t.vals = append(t.vals, t.head...)
		for _, f := range t.ident {
			t.vals = append(t.vals, Value{f.Name, f.Value})
		}
		t.vals = append(t.vals, t.mid...)
		t.vals = append(t.vals, partial...)
		t.vals = append(t.vals, t.tails[j]...)
		vals := t.vals[from:len(t.vals):len(t.vals)]
		if t.plain[j] {
			shared = vals
		}
		t.groups = append(t.groups, ValueGroup{ExpectationType: et, Values: vals})
	}
	return PayloadTarget{SignatureTarget: t.target(i), SignatureValues: t.groups}
}

// Payload materialises the whole payload of the batch (see BuildPayload).
func (b *Batch) Payload(target func(i int) Attribution, types []ExpectationType, extras TypeExtras, targetExtras ...TypeExtras) (Payload, error) {
	if err := checkPayloadArgs(b.n, b.n, types, extras, targetExtras); err != nil {
		return Payload{}, err
	}
	pb := payloadBuilder{
		sig:    func(i int) *Signature { s := b.Signature(i); return &s },
		target: target, types: types, extras: extras, targetExtras: targetExtras,
	}
	p := Payload{Targets: make([]PayloadTarget, b.n)}
	for i := range b.n {
		p.Targets[i] = pb.build(i, false)
	}
	return p, nil
}
