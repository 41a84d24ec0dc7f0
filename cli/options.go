package cli

import (
	"cmp"
	"regexp"
	goruntime "runtime"
	"strings"
	"sync"

	"github.com/injectkit/injectkit/openaev"
)

// Defaults of Options.
const (
	defaultName    = "injectkit"
	defaultUsage   = "run attack-simulation injectors and report their expectation signatures"
	defaultVersion = "dev"
	unknownCommit  = "unknown"
)

// name is the binary's name in help, errors and hints.
func (o Options) name() string { return cmp.Or(o.Name, defaultName) }

func (o Options) usage() string { return cmp.Or(o.Usage, defaultUsage) }

func (o Options) version() string { return cmp.Or(o.Version, defaultVersion) }

// injectors returns the injectors of the registry as the application
// built them, once for every command (see injectorSet); a set of their
// own for Options NewApp did not make.
func (o Options) injectors() *injectorSet {
	if o.built == nil {
		return newInjectorSet(o.Registry)
	}
	return o.built
}

func (o Options) commit() string { return cmp.Or(o.Commit, unknownCommit) }

func (o Options) goVersion() string { return cmp.Or(o.GoVersion, goruntime.Version()) }

// product is the User-Agent product: Product, else the name, as an HTTP
// token (any other character becomes '-').
func (o Options) product() string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("!#$%&'*+-.^_`|~", r):
			return r
		}
		return '-'
	}, cmp.Or(o.Product, o.name()))
}

// commandWords are the commands a help text or an error may name after the
// binary's name: "injectkit outbox flush".
const commandWords = `run|serve|injectors|outbox|validate|version|completion|help|--help|--version`

// rename replaces injectkit by the binary's name where s names one of its
// commands ("resend with: injectkit outbox flush"), so that a third-party
// binary built with Run never calls itself injectkit. Paths such as
// ~/.local/state/injectkit/outbox.db are kept.
func (o Options) rename(s string) string {
	name := o.name()
	if name == defaultName || !strings.Contains(s, defaultName+" ") {
		return s
	}
	re := regexp.MustCompile(`\b` + defaultName + ` (` + commandWords + `)\b`)
	return re.ReplaceAllString(s, strings.ReplaceAll(name, "$", "$$")+" $1")
}

// quotedLine is the start of a line of the binary's own quoted in a help
// text: "(injectkit: stdout not written: …)". Compiled on first use (a
// third-party binary's help), not at every start.
var quotedLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s(])` + defaultName + `: `)
})

// renameHelp is rename for a help text, which also quotes the binary's own
// lines: they start with its name, as its stderr says them. Errors are
// renamed by rename alone: a path in one may end in a directory named
// injectkit.
func (o Options) renameHelp(s string) string {
	if s = o.rename(s); o.name() == defaultName {
		return s
	}
	return quotedLine().ReplaceAllString(s, "${1}"+strings.ReplaceAll(o.name(), "$", "$$")+": ")
}

// openaevRetry is the platform client's retry option: the defaults, or
// the test seam's first wait (see Options.retryDelay).
func (o Options) openaevRetry() openaev.Option {
	if o.retryDelay > 0 {
		return openaev.WithRetry(openaev.DefaultAttempts, o.retryDelay)
	}
	return openaev.WithRetry(openaev.DefaultAttempts, openaev.DefaultInitialDelay)
}
