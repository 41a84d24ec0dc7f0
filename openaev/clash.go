package openaev

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
)

// A contract id another binary's injector holds. ContractID depends on
// the injector's name alone, so two binaries (two injector_types)
// serving an injector of one name register one contract id. OpenAEV
// 2.4.0 takes the second registration as it takes any: the stored
// contract's content is replaced by the second's
// (InjectorContractService.convertInjectorFromInput, merged by saveAll),
// and the contract is linked to both injectors, the first first; from
// then on each registration of either (its heartbeats:
// InjectorService.updateExistingExternalInjector, the contracts it holds
// and names again) replaces the content with its own, and either leaving
// it out deletes it, with every inject made with it. An inject made with
// it goes to the first linked injector (InjectUtils.resolveInjector,
// Executor.execute): an inject meant for the second binary's injector
// runs on the first, or with the other's fields. The ids are not changed
// (existing contracts, and the injects built on them, would be
// orphaned): before each registration until one succeeds, right after
// it, and after each heartbeat, the Registrar reads each contract it
// registers, GET /api/injector_contracts/{id}
// (InjectorContractApi.java:103-113, READ on INJECTOR_CONTRACT, an open
// resource: any token), and the type of each injector linked to it after
// the first (which alone the contract names), GET /api/injectors/{id}. It
// refuses to register, a *ValidationError on injector_type, when the
// injector linked first is another injector, of another type than ours
// (injector_contract_injector_type), until a registration succeeds and
// right after it (a registration that crossed the other's), and says it
// at WARN after each heartbeat (see clashSaid.check); when ours is linked first and
// another type's after it, it registers (the injects come here; refusing
// would change neither the links nor the overwrites) and says so at WARN,
// once, naming the contracts and the other injectors. Two deployments of
// one type (one binary's instances) share their contracts as the
// platform means them to. A read that fails is said once, at INFO, and
// the registration goes ahead.

// dummySuffix ends the injector_type of the placeholder injector a
// starter-pack import makes for a type no injector registered yet
// (InjectorService.createOrGetDummyInjector, DUMMY_SUFFIX; the contracts
// of the import's injects are linked to it): no clash, as the platform
// deletes it, its links with it, when a new injector id of that type
// registers (registerExternalInjector's branch of an id it does not hold,
// deleteDummyInjectorIfItExists). An injector id it holds already that
// registers such a contract later is linked after the placeholder, which
// stays: the contract's injects are the placeholder's, no external
// injector, which the platform fails without publishing them; the
// Registrar says so at WARN once registered (see clashSaid.check).
const dummySuffix = "_dummy"

// ours reports whether in is this injector, another deployment of its
// type, or the placeholder an import made for its type.
func (c *Client) ours(in linkedInjector) bool {
	return in.ID == c.cfg.InjectorID || in.Type == c.cfg.InjectorType || in.Type == c.cfg.InjectorType+dummySuffix
}

// contractClash is a contract of ours other types' injectors are linked
// to: held when the first linked is one of them (the contract's injects
// go to it), shared when the first is ours.
type contractClash struct {
	injector, contract string // the manifest's name, its contract id
	others             []linkedInjector
	held               bool
	// here: this injector id is linked to it too (after the first, when
	// held): a registration of this id that leaves it out deletes it.
	here bool
	// placeholder: the first linked is the placeholder of this type, and
	// this injector id is linked after it (see dummySuffix).
	placeholder bool
}

// String names the contract and the other injectors.
func (k contractClash) String() string {
	var names []string
	for _, o := range k.others {
		names = append(names, fmt.Sprintf("injector %q (id %s) of injector_type %q", o.Name, o.ID, o.Type))
	}
	how := "is linked first to this injector's type, then to "
	if k.held {
		how = "is held by "
	}
	return fmt.Sprintf("injector %s's contract %s %s%s", k.injector, k.contract, how, strings.Join(names, " and "))
}

// contractClashes reads the contracts of manifests and returns those
// other types' injectors are linked to, and the first read that failed
// (what it left unread counts for nothing).
func (c *Client) contractClashes(ctx context.Context, manifests []framework.Manifest) (clashes []contractClash, readErr error) {
	for _, m := range manifests {
		id := ContractID(m.Name)
		links, err := c.contractLinks(ctx, id)
		if err != nil && readErr == nil {
			readErr = err
		}
		k := contractClash{injector: m.Name, contract: id}
		for i, in := range links {
			if !c.ours(in) {
				k.others = append(k.others, in)
				k.held = k.held || i == 0
			}
		}
		k.here = slices.ContainsFunc(links, func(in linkedInjector) bool { return in.ID == c.cfg.InjectorID })
		k.placeholder = len(links) > 0 && links[0].Type == c.cfg.InjectorType+dummySuffix &&
			slices.ContainsFunc(links[1:], func(in linkedInjector) bool { return in.ID == c.cfg.InjectorID })
		if len(k.others) > 0 || k.placeholder {
			clashes = append(clashes, k)
		}
	}
	return clashes, readErr
}

// clashMoment is when a Registrar reads the contracts it registers.
type clashMoment int

const (
	beforeStart    clashMoment = iota // before each registration until one succeeds
	afterStart                        // right after the first that succeeded, before any inject is consumed
	afterHeartbeat                    // after each heartbeat that succeeded
)

// clashRefusal is the refusal to register contracts another type's
// injector holds, each named by held; registered, when this injector
// registered them already (at once with the other, both reading them
// free: see clashSaid.check), unread when a read before that registration
// failed (the other may have held them before it); linked, when this
// injector id is linked to one of them (registered, or an earlier daemon
// of this id). Its advice is only what deletes no contract: a
// registration that leaves out a contract its injector id is linked to
// makes the platform delete it, with every inject made with it, for every
// injector linked to it (updateExistingExternalInjector's toDeletes), so
// neither the other binary nor, once linked, this injector id may leave it
// out; nor deleting the other injector, which 2.4.0 offers no route for
// (an external one) and which deletes every inject whose injector it is
// (migration V4_78's ON DELETE CASCADE).
func (c *Client) clashRefusal(held []string, registered, unread, linked bool) error {
	why := ": a contract id is fixed by the injector's name alone, and OpenAEV sends every inject made with a contract " +
		"to the injector linked to it first, while each registration replaces its content; registering it as " +
		fmt.Sprintf("injector_type %q (injector_name %q) would run this binary's injects on the other one, or with its "+
			"fields. ", c.cfg.InjectorType, c.cfg.InjectorName)
	fix := "Serve that injector from the other binary only: leave it out of --injectors here, or rename it in this " +
		"binary's code (its Manifest name) before scenarios use it; not in the other binary, which holds it: a " +
		"registration of its injector id that leaves the contract out makes the platform delete it, with every inject " +
		"made with it. If that injector is this binary's own, registered under an earlier injector_type, give that type " +
		"back (--injector-type); nothing was registered"
	if registered {
		how := "this daemon's first registration and the other's crossed, each reading the contract free"
		if unread {
			how = "this daemon's first registration went ahead with the contracts not all read (a read before it " +
				"failed), or crossed the other's"
		}
		why = ": " + how + ", and the " +
			"platform linked it to the other first: it sends every inject made with it there, while each registration " +
			fmt.Sprintf("replaces its content, so serving it as injector_type %q (injector_name %q) would run this "+
				"binary's injects on the other one, or with its fields; this daemon stops before consuming any inject. ",
				c.cfg.InjectorType, c.cfg.InjectorName)
	}
	if linked {
		fix = "This injector id is linked to it now, after the other: a registration of this id that leaves it out " +
			"(that injector left out of --injectors, or renamed) makes the platform delete it, with every inject made " +
			"with it, for the other binary too, and so does one of the other's; so start this binary again under " +
			"another --injector-id, without that injector (or with it renamed in its code), and serve it from the other " +
			"binary only"
		if !registered {
			fix += "; nothing was registered"
		}
	}
	return &ValidationError{Field: "injector_type", Value: c.cfg.InjectorType, Reason: strings.Join(held, "; ") + why + fix}
}

// clashSaid is what a Registrar said of the reads of the contracts it
// registers: a read that failed is said once; the contracts other types'
// injectors share, and those they hold once this daemon registered, once
// each, again only when they differ.
type clashSaid struct {
	mu     sync.Mutex
	unread bool
	blind  bool     // the last read before a registration failed
	shared []string // the contracts the last WARN of shared ones named
	held   []string // the contracts the last WARN of held ones named
	behind []string // the contracts the last WARN of those a placeholder holds first named
}

// check reads the contracts of manifests (see contractClashes) at when.
// Contracts other types' injectors hold are the refusal it returns before
// the first registration that succeeds, and right after it (another
// binary registered them at once with this one, both reading them free,
// or before it while this one's read failed, and was linked first),
// before the daemon consumes any inject; after
// each heartbeat (another binary registered them since) they are said at
// WARN:
// this daemon keeps registering them and consuming its queue, as
// stopping would route none of their injects back here (the platform
// sends them to the first linked injector's queue), and leaving them out
// would make the platform delete them, with every inject made with them,
// for both binaries. The contracts ours is linked to first with other
// types' injectors after it are said at WARN; a read that failed once,
// at INFO.
func (s *clashSaid) check(ctx context.Context, c *Client, manifests []framework.Manifest, when clashMoment) error {
	clashes, err := c.contractClashes(ctx, manifests)
	if when == beforeStart {
		s.mu.Lock()
		s.blind = err != nil && !errors.Is(err, ErrDryRun)
		s.mu.Unlock()
	}
	if err != nil && !errors.Is(err, ErrDryRun) && ctx.Err() == nil {
		s.mu.Lock()
		said := s.unread
		s.unread = true
		s.mu.Unlock()
		if !said {
			c.log.Info("the contracts this registration declares were not all read: one another binary's injector "+
				"(another injector_type) holds or shares would go unsaid; read again before the next registration, or after "+
				"the next heartbeat",
				zap.String("injector_id", c.cfg.InjectorID), zap.String("error", c.redact(err.Error())))
		}
	}
	var held, shared, behind []string
	linked := false
	for _, k := range clashes {
		switch {
		case k.held:
			held = append(held, k.String())
			linked = linked || k.here
		case len(k.others) > 0:
			shared = append(shared, k.String())
		}
		if k.placeholder {
			behind = append(behind, k.contract)
		}
	}
	if len(held) > 0 && when != afterHeartbeat {
		s.mu.Lock()
		blind := s.blind
		s.mu.Unlock()
		return c.clashRefusal(held, when == afterStart, blind, linked || when == afterStart)
	}
	allRead := err == nil
	if when != beforeStart {
		// Registered: this injector id is linked to them now.
		s.say(c, &s.behind, behind, allRead, placeholderFirst(c))
	}
	s.say(c, &s.held, held, allRead, "contracts this injector registers are held by another binary's injector "+
		"(another injector_type), linked to them before this one: every inject made with them goes to that one's queue, "+
		"with whichever content was registered last, and the registrations of both overwrite each other's at every "+
		"heartbeat. This daemon keeps registering them and consuming its queue: stopping would route none of them back, "+
		"and leaving them out, here or in the other binary, would make the platform delete them, with every inject made "+
		"with them, for both. Serve that injector from one binary only, the other one: start this binary again under another "+
		"--injector-id, without that injector (or with it renamed in its code); started again as it is, this daemon "+
		"refuses to register (exit 2)")
	s.say(c, &s.shared, shared, allRead, "contracts this injector registers are linked to another binary's injector "+
		"too (another injector_type): each registration of either, at every heartbeat, replaces the contract's content "+
		"with its own (the fields scenarios show and injects carry), and every inject made with it comes here, the "+
		"first linked, the other binary's too; registering goes on, as refusing would change neither. Serve that "+
		"injector from one binary only: the other binary leaving it out of its --injectors (or renaming it) makes the "+
		"platform delete the contract, with every inject made with it, and this injector's next registration "+
		"registers it again")
	return nil
}

// say says msg at WARN naming contracts, unless the last WARN of it
// (*last) named the same; none, when every contract was read, forgets
// the last WARN.
func (s *clashSaid) say(c *Client, last *[]string, contracts []string, allRead bool, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(contracts) == 0 {
		if allRead {
			*last = nil
		}
		return
	}
	if slices.Equal(contracts, *last) {
		return
	}
	*last = contracts
	c.log.Warn(msg, zap.String("injector_type", c.cfg.InjectorType), zap.String("injector_id", c.cfg.InjectorID),
		zap.Strings("contract_ids", contracts))
}

// placeholderFirst is the WARN of contracts a placeholder holds first,
// this injector id linked after it (see dummySuffix): what fixes it is a
// new injector id of this type registering, the platform's one way to
// delete a placeholder, once each inject made with them names this
// injector (inject_injector, InjectService.updateInject): one naming the
// placeholder is deleted with it (migration V4_78's ON DELETE CASCADE),
// and one an import made names none, so Executor.execute looks its
// injector up by type (InjectorRepository.findByTypeAndTenantId, one
// result), which fails once two injectors have this type.
func placeholderFirst(c *Client) string {
	return fmt.Sprintf("contracts this injector registers were made by a starter-pack import and are linked first to "+
		"the placeholder injector it made for injector_type %q (injector_type %q), this injector id after it: the platform "+
		"runs every inject made with them on the placeholder, which is no external injector, and fails it; none reaches "+
		"this daemon's queue. OpenAEV deletes the placeholder only when an injector id it does not hold yet registers "+
		"with this injector_type, never on a registration of this one. First update each inject made with them to name "+
		"this injector id in inject_injector: the platform then runs it here (one naming the placeholder would be deleted "+
		"with it, and one the import made names none, and is looked up by type, which fails once two injectors have "+
		"it); then start this binary once more under a new --injector-id, with this --injector-type and these injectors, "+
		"until it has registered, and stop it: the placeholder is deleted, and this injector, linked before the new "+
		"one, is their first again for the injects made from then on. Do not leave them out of --injectors: the "+
		"platform would delete them, with every inject made with them",
		c.cfg.InjectorType, c.cfg.InjectorType+dummySuffix)
}
