package runtime

import (
	"iter"

	"github.com/injectkit/injectkit/signatures"
)

// leastTime stands for start_time and end_time: every time is written in
// signatures.TimeFormat, 20 bytes long.
const leastTime = "0000-00-00T00:00:00Z"

// LeastPayloadTargets yields, before anything runs, the least the report's
// payload will hold for each target whatever the executor returns: the
// target's attribution and, per expectation type, the source addresses of
// a network target (the ones its signatures will carry, looked up here
// when the run has not yet done so), its identity fields (target address,
// cloud account, query), a start and an end time and the status of a run
// that ended ("success"; "partial" and "timeout" are as long); no partial
// results or extras. Each target of the payload delivered later encodes
// to at least as many bytes as its entry here, and to exactly as many
// when the run ends without partial results or extras; only a failed
// run's is shorter, by one byte per expectation type ("failed"). So a
// wire profile can refuse in its Received hook a size limit that cannot
// hold the report of a run that ends, before anything runs, rather than
// after. Like signatures.PayloadTargets, a yielded value reuses its
// buffers on the next iteration.
func (p *Prepared) LeastPayloadTargets() iter.Seq2[int, signatures.PayloadTarget] {
	return func(yield func(int, signatures.PayloadTarget) bool) {
		if p.routes != nil {
			// The host names' lookups as a run bounds them (at most 16 at
			// once, all over within one lookup's timeout), not one by one
			// in For, each waiting up to its timeout on a name server that
			// does not answer. What they find the run's report uses too.
			p.routes.Prefetch(len(p.Targets), func(i int) signatures.Config { return p.Targets[i].Config })()
		}
		one := make([]signatures.Signature, 1)
		meta := make([]signatures.Attribution, 1)
		var src signatures.SourceIPs
		for i, t := range p.Targets {
			switch _, ok := t.Config.(signatures.NetworkConfig); {
			case ok && p.routes != nil:
				src = p.routes.For(t.Config) // the report's: one lookup per address
			case ok && src.IPv4 == "":
				src = p.source()
			}
			one[0], meta[0] = leastSignature(t.Config, src), t.Attribution
			seq, err := signatures.PayloadTargets(one, meta, p.types, nil)
			if err != nil {
				return // unreachable: prepare checked the types
			}
			for _, pt := range seq {
				if !yield(i, pt) {
					return
				}
			}
		}
	}
}

// leastSignature returns the fields every post-execution signature of c
// carries, the status that of a run that ended; src are the source
// addresses of a network signature.
func leastSignature(c signatures.Config, src signatures.SourceIPs) signatures.Signature {
	s := signatures.Signature{StartTime: leastTime, EndTime: leastTime, ExecutionStatus: signatures.StatusSuccess}
	switch c := c.(type) {
	case signatures.NetworkConfig:
		s.SourceIPv4, s.SourceIPv6 = src.IPv4, src.IPv6
		s.TargetIPv4, s.TargetIPv6, s.TargetHostname = c.TargetIPv4, c.TargetIPv6, c.TargetHostname
	case signatures.CloudConfig:
		s.CloudProvider, s.CloudAccountID, s.CloudRegion, s.TargetService = c.CloudProvider, c.CloudAccountID, c.CloudRegion, c.TargetService
	case signatures.ExternalConfig:
		s.Query, s.TargetIPv4, s.TargetHostname = c.Query, c.TargetIPv4, c.TargetHostname
	}
	return s
}
