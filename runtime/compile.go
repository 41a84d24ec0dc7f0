package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// PayloadOf is what the runtime makes of an executor's output for in,
// without running anything: the signatures of in's targets compiled by m
// (pre- and post-execution), out's extras, the timeout's partial results
// from in. Malformed output, which Run turns into a failed outcome, is an
// error here. The source addresses are m's host-wide ones, not looked up
// per route as Run does for a framework.DirectSender. It serves the tests
// of an executor.
func PayloadOf(m *signatures.Manager, in *framework.Inject, out framework.ToolOutput) (signatures.Payload, error) {
	configs := make([]signatures.Config, len(in.Targets))
	attributions := make([]signatures.Attribution, len(in.Targets))
	for i, t := range in.Targets {
		configs[i], attributions[i] = t.Config, t.Attribution
	}
	if err := out.Validate(); err != nil {
		return signatures.Payload{}, err
	}
	if _, bad := unencodable(out); len(bad) > 0 {
		return signatures.Payload{}, errors.Join(bad...)
	}
	pre, err := m.CompilePre(configs...)
	if err != nil {
		return signatures.Payload{}, err
	}
	var partial []string
	if out.ExecutionStatus() == framework.StatusTimeout {
		partial = in.PartialResults()
	}
	post, err := m.CompilePost(pre, compileInput(out, partial))
	if err != nil {
		return signatures.Payload{}, err
	}
	extras, err := byTarget(out.TargetExtras, in.Targets)
	if err != nil {
		return signatures.Payload{}, err
	}
	return signatures.BuildPayload(post, attributions, in.ExpectationTypes, out.ExtraByType, extras...)
}

// compileInput is what the signatures manager reads of an outcome: the
// status, a failure's crash time, a timeout's partial results, the extras.
func compileInput(out framework.ToolOutput, partial []string) signatures.ToolOutput {
	in := signatures.ToolOutput{Status: out.ExecutionStatus(), ExtraSignatures: out.ExtraSignatures}
	switch in.Status {
	case framework.StatusFailed:
		in.ErrorInfo = out.ErrorInfo
	case framework.StatusTimeout:
		in.TimeoutInfo = &signatures.TimeoutInfo{PartialResults: partial}
	}
	return in
}

// byTarget lays per-target extras out by position, one entry per target
// of targets (nil when there are none), each found by its target (see
// framework.ToolOutput.TargetExtras: a pointer configuration by the value
// it points to). Keys that name no target are an error naming each of
// them (its configuration and attribution), in order: an executor keying
// targets it changed or made up may have missed them all, so the caller
// sends none of its per-target extras.
func byTarget(m map[framework.Target]framework.TypeExtras, targets []framework.Target) ([]framework.TypeExtras, error) {
	if len(m) == 0 {
		return nil, nil
	}
	keyed := make(map[framework.Target]framework.TypeExtras, len(m))
	for t, te := range m {
		keyed[targetKey(t)] = te
	}
	out := make([]framework.TypeExtras, len(targets))
	found := make(map[framework.Target]struct{}, len(keyed))
	for i, t := range targets {
		k := targetKey(t)
		if te, ok := keyed[k]; ok {
			out[i], found[k] = te, struct{}{}
		}
	}
	if len(found) == len(keyed) {
		return out, nil
	}
	var bad []string
	for k := range keyed {
		if _, ok := found[k]; !ok {
			bad = append(bad, k.String())
		}
	}
	slices.Sort(bad)
	return nil, fmt.Errorf("target extras keyed %s: not one of the %d targets", strings.Join(bad, ", "), len(targets))
}

// targetKey is t as per-target extras match it: a configuration given as
// a pointer replaced by the value it points to (the executor's copy of a
// target holds a pointer of its own; see executorTargets).
func targetKey(t framework.Target) framework.Target {
	switch c := t.Config.(type) {
	case *signatures.NetworkConfig:
		if c != nil {
			t.Config = *c
		}
	case *signatures.CloudConfig:
		if c != nil {
			t.Config = *c
		}
	case *signatures.ExternalConfig:
		if c != nil {
			t.Config = *c
		}
	}
	return t
}
