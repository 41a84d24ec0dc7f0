// Package builtin owns the list of injectkit's reference injectors (noop,
// nmap, query, cloudscan) and adds them to a registry in one call, so that a
// third-party binary serves them beside its own:
//
//	reg := framework.NewRegistry()
//	builtin.Register(reg)
//	reg.Register("hello", func() framework.Executor { return hello{} })
package builtin

import (
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
)

// Names are the reference injectors Register adds, sorted.
func Names() []string { return []string{"cloudscan", "nmap", "noop", "query"} }

// Option configures Register.
type Option func(*options)

type options struct{ version string }

// WithVersion sets the version the injectors report where they identify
// themselves (cloudscan's AWS User-Agent). Default "dev".
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// Register adds the reference injectors to reg. Like reg.Register, it
// panics when one of their names is already taken.
func Register(reg *framework.Registry, opts ...Option) {
	o := options{version: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	reg.Register("noop", func() framework.Executor { return noop.New() })
	reg.Register("nmap", func() framework.Executor { return nmap.New() })
	// One pacer for every query run of reg: runs of one Shodan key at
	// once (serve's workers) are paced against each other.
	pacer := query.NewPacer()
	reg.Register("query", func() framework.Executor { return query.New(query.WithPacer(pacer)) })
	reg.Register("cloudscan", func() framework.Executor { return cloudscan.New(cloudscan.WithVersion(o.version)) })
}
