package signatures

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Manager compiles signatures. Its zero value is not usable: build one with
// NewManager. A Manager is safe for concurrent use.
type Manager struct {
	log      *zap.Logger
	now      func() time.Time
	resolver Resolver

	once   sync.Once
	src    SourceIPs
	pinned bool // src.IPv4 is CONTAINER_IP's
	// noV4 logs, once each, that signatures carry source_ipv4=unknown:
	// [0] those of IPv6 targets alone, [1] those of targets reached
	// over IPv4 (noIPv4).
	noV4 [2]sync.Once
}

// Option configures a Manager.
type Option func(*Manager)

// WithLogger sets the logger (default: no logging).
func WithLogger(l *zap.Logger) Option { return func(m *Manager) { m.log = l } }

// WithClock sets the clock used for start_time and end_time (default time.Now).
func WithClock(now func() time.Time) Option { return func(m *Manager) { m.now = now } }

// WithResolver sets the source IP resolver (default DefaultResolver()).
func WithResolver(r Resolver) Option { return func(m *Manager) { m.resolver = r } }

// NewManager returns a Manager configured by opts.
func NewManager(opts ...Option) *Manager {
	m := &Manager{log: zap.NewNop(), now: time.Now, resolver: DefaultResolver()}
	for _, o := range opts {
		o(m)
	}
	if m.log == nil {
		m.log = zap.NewNop()
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// CompilePre returns one signature per configuration, stamped with the time
// of the call. Network signatures carry the machine's source IP; cloud and
// external ones do not. The configurations must all be valid and of one
// category.
func (m *Manager) CompilePre(cfgs ...Config) ([]Signature, error) {
	if len(cfgs) == 0 {
		return nil, ErrNoConfigs
	}
	seen := map[Category]bool{}
	var order []string
	for i, c := range cfgs {
		if isNil(c) {
			return nil, &ValidationError{Field: fmt.Sprintf("configs[%d]", i), Reason: "nil configuration"}
		}
		if !seen[c.Category()] {
			seen[c.Category()] = true
			order = append(order, string(c.Category()))
		}
		if err := c.Validate(); err != nil {
			return nil, withPrefix(fmt.Sprintf("configs[%d]", i), err)
		}
	}
	if len(seen) > 1 {
		sort.Strings(order)
		return nil, &ValidationError{Field: "configs", Value: strings.Join(order, ","),
			Reason: "configurations of mixed categories"}
	}
	start := m.now().UTC().Format(TimeFormat)
	var src SourceIPs
	if cfgs[0].Category() == Network {
		src = m.ResolveSourceIP()
	}
	out := make([]Signature, len(cfgs))
	for i, c := range cfgs {
		s := &out[i]
		s.SourceIPv4, s.SourceIPv6 = src.IPv4, src.IPv6
		c.identity(s)
		s.StartTime = start
	}
	m.warnNoIPv4(src, len(cfgs), func(i int) Config { return cfgs[i] })
	return out, nil
}

// isNil reports whether c is nil or a nil pointer to one of the three
// configuration types (whose value methods would panic).
func isNil(c Config) bool {
	switch p := c.(type) {
	case nil:
		return true
	case *NetworkConfig:
		return p == nil
	case *CloudConfig:
		return p == nil
	case *ExternalConfig:
		return p == nil
	}
	return false
}

// CompilePost returns new signatures, same length and order as pre, with
// every pre field unchanged plus end_time, execution_status, the partial
// results of a timed-out run that name each target (see MaxNamedTargets)
// and the tool's extra signatures.
func (m *Manager) CompilePost(pre []Signature, out ToolOutput) ([]Signature, error) {
	fill, err := m.postFields(out, m.log, time.Time{})
	if err != nil {
		return nil, err
	}
	post := make([]Signature, len(pre))
	copy(post, pre)
	p := attribute(partialResults(out), len(pre), func(i int, s *Signature) { *s = pre[i] })
	for i := range post {
		fill(&post[i])
		post[i].PartialResults = p.of(i)
	}
	return post, nil
}

// partialResults returns the partial results of a timed-out run, nil for
// any other outcome.
func partialResults(out ToolOutput) []string {
	if out.ExecutionStatus() == StatusTimeout && out.TimeoutInfo != nil {
		return out.TimeoutInfo.PartialResults
	}
	return nil
}

// EndedNow returns a PostOption that ends the run now, as m's clock reads
// it, rather than when Post is called: a caller that waits for something
// else between the tool's return and Post (the source addresses' lookups,
// a host name's answer from a slow name server) takes it when the tool
// returns, so that end_time is the tool's end, not that wait's.
func (m *Manager) EndedNow() PostOption {
	ended := m.now()
	return func(o *postOptions) { o.ended = ended }
}

// postFields checks out and returns what sets the post-execution fields
// every signature of a run shares: end_time, execution_status and the
// tool's extra signatures (merged into a new map). The end time is ended
// (the run's end: when the tool returned, EndedNow; zero: now) rounded up to
// the whole second (see ceilSecond), or the crash timestamp
// of a failed run, rounded up too. An end time after the rounded-up end
// (a crash timestamp from the future) is set to it, and one before the
// signature's start_time (a crash timestamp from before the run) to the
// start time, each logged once at WARN to log.
func (m *Manager) postFields(out ToolOutput, log *zap.Logger, ended time.Time) (func(s *Signature), error) {
	if err := out.Validate(); err != nil {
		return nil, err
	}
	for k, reason := range ExtrasErrors(out.ExtraSignatures) {
		return nil, &ValidationError{Field: "extra_signatures", Value: k, Reason: reason}
	}
	status := out.ExecutionStatus()
	// The end is the run's end rounded up to the whole second, so that
	// the window [start_time, end_time] of whole seconds holds the whole
	// run (the platform's collectors search the defences' logs over it,
	// some with an exclusive end).
	if ended.IsZero() {
		ended = m.now()
	}
	now := ceilSecond(ended.UTC())
	end := now
	if status == StatusFailed && out.ErrorInfo != nil && out.ErrorInfo.CrashTimestamp != "" {
		t, err := out.ErrorInfo.CrashTime()
		if err != nil {
			return nil, err
		}
		end = ceilSecond(t.UTC())
	}
	endStr := end.Format(TimeFormat)
	if nowStr := now.Format(TimeFormat); endStr > nowStr {
		// A tool wrong about its crash time (or its clock set ahead):
		// an end not yet come would tell the platform the run is still
		// going. now is rounded up: an end less than a second ahead
		// of the clock is that rounding, not a clock error.
		log.Warn("end time after now (the crash timestamp?); end_time set to now",
			zap.String("end_time", endStr), zap.String("now", nowStr))
		endStr = nowStr
	}
	var once sync.Once
	return func(s *Signature) {
		s.EndTime = endStr
		if s.StartTime != "" && endStr < s.StartTime { // one fixed-width UTC layout: ordered as strings
			// A tool wrong about its crash time (or a clock set back):
			// the platform's collectors need an end no earlier than the
			// start.
			s.EndTime = s.StartTime
			once.Do(func() {
				log.Warn("end time before the run's start (the crash timestamp?); end_time set to the start time",
					zap.String("end_time", endStr), zap.String("start_time", s.StartTime))
			})
		}
		s.ExecutionStatus = status
		if len(out.ExtraSignatures) > 0 {
			extra := make(map[string]any, len(s.Extra)+len(out.ExtraSignatures))
			for k, v := range s.Extra {
				extra[k] = v
			}
			for k, v := range out.ExtraSignatures {
				extra[k] = v
			}
			s.Extra = extra
		}
	}, nil
}

// ceilSecond returns t rounded up to the whole second (t itself when it
// is one). start_time is the run's start rounded down, so a run of less
// than a second still ends a second after it starts.
func ceilSecond(t time.Time) time.Time {
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}

// ResolveSourceIP returns the machine's source addresses, resolved once per
// Manager. When no IPv4 address is found its IPv4 is "unknown"; the
// signatures that carry it say so in the log (noIPv4).
func (m *Manager) ResolveSourceIP() SourceIPs {
	m.once.Do(func() {
		m.src, m.pinned = m.resolver.resolve()
		if m.src.IPv4 == "" {
			m.src.IPv4 = UnknownSourceIP
		}
	})
	return m.src
}

// noIPv4 logs, once per Manager each, that signatures carry
// source_ipv4=unknown: at WARN, with the CONTAINER_IP hint, when some of
// them are of targets reached over IPv4 (needed: an IPv4 address, a host
// name), whose defences see an IPv4 source; at INFO, without it, when
// they are all of IPv6 targets, whose traffic is IPv6 (their source_ipv6
// is found apart).
func (m *Manager) noIPv4(needed bool) {
	if needed {
		m.noV4[1].Do(func() {
			m.log.Warn("no IPv4 source address found; signatures of IPv4 and host-name targets carry source_ipv4=unknown",
				zap.String("family", "ipv4"), zap.String("hint", "set CONTAINER_IP to the IPv4 address defences see"))
		})
		return
	}
	m.noV4[0].Do(func() {
		m.log.Info("no IPv4 source address found; the IPv6 targets' signatures carry source_ipv4=unknown (their traffic is IPv6)",
			zap.String("family", "ipv4"))
	})
}

// needsIPv4 reports whether c is a network target reached over IPv4: an
// IPv4 address (an IPv4-mapped IPv6 one too) or a host name.
func needsIPv4(c Config) bool {
	nc, ok := networkOf(c)
	if !ok {
		return false
	}
	if nc.TargetIPv4 != "" || nc.TargetHostname != "" {
		return true
	}
	a, err := netip.ParseAddr(nc.TargetIPv6)
	return err == nil && a.Is4In6()
}

// warnNoIPv4 logs noIPv4 for signatures of the n configurations config
// returns carrying src, when its IPv4 is unknown.
func (m *Manager) warnNoIPv4(src SourceIPs, n int, config func(i int) Config) {
	if src.IPv4 != UnknownSourceIP {
		return
	}
	needed := false
	for i := 0; i < n && !needed; i++ {
		needed = needsIPv4(config(i))
	}
	m.noIPv4(needed)
}

// errNotFound is returned by a resolver strategy that found no address.
var errNotFound = errors.New("no address found")
