// Package signatures owns the expectation-signature domain: the typed target
// configurations an inject acts on (network, cloud, external), the signatures
// compiled from them before and after execution, and the nested payload that
// groups those signatures per target and per expectation type.
//
// The package is pure: it performs no I/O except the best-effort lookup of
// the machine's source IP address (host-wide, or on the route to each
// target with RouteSources: a UDP connect, which sends no packet, after
// resolving a host-name target with the system resolver), and
// every clock, logger and lookup it uses can be injected through Manager
// options.
//
// A typical flow:
//
//	m := signatures.NewManager(signatures.WithLogger(log))
//	pre, err := m.CompilePre(cfgs...)        // before the tool runs
//	post, err := m.CompilePost(pre, out)     // after, with the tool's outcome
//	p, err := signatures.BuildPayload(post, targets, types, out.ExtraByType)
//
// For many targets, a Batch holds what the signatures share and builds
// each one when asked for, so that memory stays at the targets' own
// configurations (the runtime's path):
//
//	pre, err := m.Batch(len(targets), func(i int) signatures.Config { return targets[i].Config })
//	post, err := m.Post(pre, out)
//	seq, err := post.PayloadTargets(attribution, types, out.ExtraByType) // one target at a time
package signatures
