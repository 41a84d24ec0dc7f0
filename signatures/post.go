package signatures

import (
	"net/netip"
	"time"

	"go.uber.org/zap"
)

// The post-execution batch: Post and the options of one call.

// PostOption tunes one call of Post.
type PostOption func(*postOptions)

type postOptions struct {
	log        *zap.Logger
	notReached func(i int) string
	addrs      func(i int) []netip.Addr
	ended      time.Time // the run's end; zero: when Post is called
}

// PostLogger logs what Post warns about (an end time clamped to now or to
// the start time) to l instead of the Manager's logger: an inject's logger, whose
// lines carry its fields.
func PostLogger(l *zap.Logger) PostOption {
	return func(o *postOptions) {
		if l != nil {
			o.log = l
		}
	}
}

// NotReached marks the targets the tool sent nothing to: reason(i) says
// why target i was not reached, "" when it was. Each such target's
// signature is NotReachedSignature's (the run's status and the reason,
// nothing else), and its payload groups carry no extra. nil changes
// nothing.
func NotReached(reason func(i int) string) PostOption {
	return func(o *postOptions) { o.notReached = reason }
}

// Post returns the post-execution batch of pre: every pre field unchanged
// plus end_time, execution_status, the partial results of a timed-out run
// that name each target and the tool's extra signatures, as CompilePost
// sets them; the targets NotReached marks hold only their status and
// why.
func (m *Manager) Post(pre *Batch, out ToolOutput, opts ...PostOption) (*Batch, error) {
	o := postOptions{log: m.log}
	for _, opt := range opts {
		opt(&o)
	}
	post := &Batch{n: pre.n, config: pre.config, shared: pre.base(), routes: pre.routes, notReached: o.notReached, addrs: o.addrs}
	fill, err := m.postFields(out, o.log, o.ended)
	if err != nil {
		return nil, err
	}
	fill(&post.shared)
	post.partial = attribute(partialResults(out), pre.n, func(i int, s *Signature) { pre.config(i).identity(s) })
	return post, nil
}
