package openaev

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/serve"
)

// Registrar registers injectors with the platform for a serve.Daemon:
// with the icon the first time, without it for the heartbeats. Before
// each registration until such a read succeeds, it reads the contracts
// the platform holds for the injector id, and says at WARN, once, which
// ones that registration leaves out: the platform deletes them, with
// every inject built on them (see heldContracts). It reads the injectors
// each contract it registers is linked to (see contractLinks,
// clashSaid.check) before each registration until one succeeds and right
// after it, refusing, for good, a contract another binary's injector
// (another injector_type) holds first (right after: the registrations
// crossed), and after each heartbeat that succeeds, saying such a
// contract at WARN; one its own type holds first and
// another type shares it says at WARN whenever it reads it. The
// broker's TLS is the reply's use_ssl. Once the platform failed (a
// registration failed, or succeeded only after a failed attempt: the
// platform unreachable, restarted, maybe upgraded), the platform's version
// is stale until it is read again (see Client.refreshVersion): before the
// next registration, and, when that read fails too, right after a
// registration succeeds. A version that changed is followed from then on:
// its contracts are registered at once, the callbacks carry what it
// accepts.
type Registrar struct {
	client    *Client
	manifests []framework.Manifest
	iconSent  atomic.Bool
	checked   atomic.Bool // a registration succeeded: the contracts held for the injector id are read no more
	leftOut   leftOutSaid
	clash     clashSaid
	stale     atomic.Bool // the platform failed since the version was last read
}

// NewRegistrar returns the Registrar of manifests (see SelectInjectors)
// on c's platform.
func NewRegistrar(c *Client, manifests []framework.Manifest) *Registrar {
	return &Registrar{client: c, manifests: manifests}
}

// Register registers the injectors. A bad configuration or a refused
// token (what retrying cannot fix) is marked serve.Permanent.
func (r *Registrar) Register(ctx context.Context) (serve.Registration, error) {
	heartbeat := r.checked.Load()
	if r.stale.Load() {
		// A failure is the registration's to say: it likely fails alike.
		r.refresh(ctx, false)
	}
	reg, err := r.register(ctx)
	if err == nil && r.stale.Load() && r.refresh(ctx, true) {
		// Registered with the contracts of the line it had before.
		reg, err = r.register(ctx)
	}
	if err != nil {
		return serve.Registration{}, err
	}
	if !heartbeat {
		// Another binary may have registered a contract at once with this
		// one, both reading it free, and be linked to it first: refused
		// before any inject is consumed.
		if err := r.clash.check(ctx, r.client, r.manifests, afterStart); err != nil {
			return serve.Registration{}, serve.Permanent(err)
		}
	} else {
		// Another binary may have registered a contract since: said, not
		// refused (see clashSaid.check).
		_ = r.clash.check(ctx, r.client, r.manifests, afterHeartbeat)
	}
	return serve.Registration{Broker: reg.Connection.Broker(), Queue: reg.Listen}, nil
}

// register sends one registration. One that fails, or that succeeds
// after a failed attempt, leaves the version stale.
func (r *Registrar) register(ctx context.Context) (*Registration, error) {
	if !r.checked.Load() {
		// Before each registration until one succeeds: the heartbeats
		// register the same contracts, and read them after (Register).
		if err := r.clash.check(ctx, r.client, r.manifests, beforeStart); err != nil {
			return nil, serve.Permanent(err)
		}
		r.leftOut.check(ctx, r.client, r.manifests)
	}
	reg, retried, err := r.client.register(ctx, r.manifests, !r.iconSent.Load())
	if err != nil || retried {
		r.stale.Store(true)
	}
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) || errors.Is(err, ErrPermanent) {
			return nil, serve.Permanent(err)
		}
		return nil, err
	}
	r.iconSent.Store(true)
	r.checked.Store(true)
	return reg, nil
}

// refresh reads the stale version again and reports whether it changed.
// A read that fails leaves it stale (the next registration reads it
// first), and says so: at WARN after a registration that succeeded (at
// DEBUG once ctx is done: a shutdown, not the platform), whose
// contracts, and the callbacks until then, may be the wrong line's.
func (r *Registrar) refresh(ctx context.Context, registered bool) bool {
	changed, err := r.client.refreshVersion(ctx)
	if err != nil {
		log := r.client.log
		msg := "OpenAEV platform version not read again before the registration; keeping the one known"
		level := log.Debug
		if registered && ctx.Err() == nil {
			msg = "OpenAEV platform version not read again after the platform failed; keeping the one known until the next heartbeat reads it"
			level = log.Warn
		}
		level(msg, zap.String("version", r.client.Version(ctx).String()), zap.String("error", r.client.redact(err.Error())))
		return false
	}
	r.stale.Store(false)
	return changed
}

// leftOutSaid is what a Registrar said of the contracts the platform
// holds for the injector id that its registration leaves out: each
// registration until one succeeds reads them again (a registration that
// failed deleted nothing, and they may have changed meanwhile), and the
// WARN naming them is said once, again only when they differ; a read
// that failed is said once.
type leftOutSaid struct {
	mu     sync.Mutex
	warned []string // the contracts the last WARN named
	unread bool     // a read failed, and said so
}

// check reads the contracts and says what is new (see leftOutSaid).
func (s *leftOutSaid) check(ctx context.Context, c *Client, manifests []framework.Manifest) {
	names, err := c.leftOutNames(ctx, manifests)
	if errors.Is(err, ErrDryRun) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		if !s.unread && ctx.Err() == nil {
			s.unread = true
			c.sayUnread(err)
		}
	case len(names) > 0 && !slices.Equal(names, s.warned):
		s.warned = names
		c.warnLeftOut(names)
	}
}
