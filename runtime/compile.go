package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
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
	extras, err := positional(out.TargetExtras, len(in.Targets))
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

// positional lays per-target extras out by position, one entry per target
// (nil when there are none). Keys that are no target's index are an error
// naming each of them, in order: an executor whose indexes run past its
// targets may have shifted them all (counted from 1), so the caller sends
// none of its per-target extras.
func positional(m map[int]framework.TypeExtras, n int) ([]framework.TypeExtras, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make([]framework.TypeExtras, n)
	var bad []int
	for i, te := range m {
		if i < 0 || i >= n {
			bad = append(bad, i)
			continue
		}
		out[i] = te
	}
	if len(bad) == 0 {
		return out, nil
	}
	slices.Sort(bad)
	keys := make([]string, len(bad))
	for j, i := range bad {
		keys[j] = strconv.Itoa(i)
	}
	return nil, fmt.Errorf("target extras keyed %s: not the index of one of the %d targets (0 to %d)",
		strings.Join(keys, ", "), n, n-1)
}
