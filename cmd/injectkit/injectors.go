package main

import (
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
)

// registry wires the reference injectors. A third party copies main.go and
// this file, and registers its own.
func registry() *framework.Registry {
	r := framework.NewRegistry()
	r.Register("noop", func() framework.Executor { return noop.New() })
	r.Register("nmap", func() framework.Executor { return nmap.New() })
	r.Register("query", func() framework.Executor { return query.New() })
	r.Register("cloudscan", func() framework.Executor { return cloudscan.New(cloudscan.WithVersion(version)) })
	return r
}
