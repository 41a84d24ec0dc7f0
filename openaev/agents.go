package openaev

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/injectkit/injectkit/signatures"
)

// An asset with several agents is one target (scanned once), its
// Attribution naming its first agent, but the platform keeps one set of
// expectations per agent, and attaches a signature target naming an agent
// to that agent's expectations only (InjectExpectationService's
// findTechnicalExpectationsForTarget: agent first, then asset, then asset
// group, each looked up alone; an asset lookup skips the expectations of
// its agents). So the profile sends the signatures of such a target once
// per agent, each naming that agent and the asset (and asset group), and
// nothing more: two entries resolving to the same expectations would store
// their signatures twice. The agents are those the message does not mark
// inactive (Asset.signingAgents): the current platform keeps no
// expectation for an inactive one.

// agentsKey carries the agents of a message's assets that have several
// (*assetAgents) to its terminal callback.
type agentsKey struct{}

// assetAgents maps the id of each selected asset with several agents to
// their ids (Selection.Agents).
type assetAgents struct{ m map[string][]string }

// noteAgents returns ctx holding a place for the agents of the message it
// handles, which the processor fills once it has selected its targets
// (withAgents): a result handled with ctx, not the processor's (serve's
// result sent unstored), names every agent too.
func noteAgents(ctx context.Context) context.Context {
	return context.WithValue(ctx, agentsKey{}, &assetAgents{})
}

// withAgents returns ctx carrying the agents of the assets of t: in the
// place noteAgents made, if any.
func withAgents(ctx context.Context, t *Selection) context.Context {
	if t == nil || len(t.Agents) == 0 {
		return ctx
	}
	if a, ok := ctx.Value(agentsKey{}).(*assetAgents); ok && a != nil {
		a.m = t.Agents
		return ctx
	}
	return context.WithValue(ctx, agentsKey{}, &assetAgents{m: t.Agents})
}

// agentsOf returns the agents withAgents put in ctx (nil: none).
func agentsOf(ctx context.Context) map[string][]string {
	if a, ok := ctx.Value(agentsKey{}).(*assetAgents); ok && a != nil {
		return a.m
	}
	return nil
}

// checkAgents validates every agent of each asset of t with several as
// the runtime validates a target's agent (signatures.Attribution.Validate:
// not blank, no control or format character): each goes out as a
// signature target's agent. A bad one is a *ValidationError naming its
// target and its position among the asset's agents: targets[N].agent for
// the first (the target's own), targets[N].agents[M] for the others.
func checkAgents(t *Selection) error {
	for i, s := range t.Specs {
		ids := t.Agents[s.Asset]
		if len(ids) < 2 || s.Agent != ids[0] {
			continue
		}
		for j, id := range ids {
			err := signatures.Attribution{Agent: id}.Validate()
			if err == nil {
				continue
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			named := *ve
			named.Field = fmt.Sprintf("targets[%d].agent", i)
			if j > 0 {
				named.Field = fmt.Sprintf("targets[%d].agents[%d]", i, j)
			}
			return &named
		}
	}
	return nil
}

// extraAgents counts the signature targets the agents add (one per agent
// but the first of each asset).
func extraAgents(agents map[string][]string) int {
	n := 0
	for _, ids := range agents {
		n += max(len(ids)-1, 0)
	}
	return n
}

// sendable yields the signature targets of seq the profile sends, in the
// platform's shape (platformTarget, keeping the groups of types, adding to
// *drops, the target addresses left out when indirect), with the index of the runtime target each comes from: a target
// naming an agent of an asset of agents, once per agent of the asset, in
// their order, its other ids and its values unchanged. A yielded target
// is valid until the next one is asked for.
func sendable(seq iter.Seq2[int, signatures.PayloadTarget], types map[signatures.ExpectationType]bool, drops *map[string]bool,
	agents map[string][]string, indirect bool) iter.Seq2[int, signatures.PayloadTarget] {
	return func(yield func(int, signatures.PayloadTarget) bool) {
		for i, t := range seq {
			pt, ok := platformTarget(t, types, drops, indirect)
			if !ok {
				continue
			}
			ids := agents[pt.SignatureTarget.Asset]
			if pt.SignatureTarget.Agent == "" || !slices.Contains(ids, pt.SignatureTarget.Agent) {
				if !yield(i, pt) {
					return
				}
				continue
			}
			for _, id := range ids {
				one := pt
				one.SignatureTarget.Agent = id
				if !yield(i, one) {
					return
				}
			}
		}
	}
}
