package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// PayloadOf is what the runtime makes of an executor's output for in,
// without running anything: the signatures of in's targets compiled by m
// (pre- and post-execution), out's extras, the timeout's partial results
// from in, the targets out did not reach holding their status and why, its
// host name targets the addresses it sent to. Malformed output, which Run turns into a failed outcome, is an
// error here. The source addresses are m's host-wide ones, not looked up
// per route as Run does for a framework.DirectSender. It serves the tests
// of an executor.
func PayloadOf(m *signatures.Manager, in *framework.Inject, out framework.ToolOutput) (signatures.Payload, error) {
	configs := make([]signatures.Config, len(in.Targets))
	attributions := make([]signatures.Attribution, len(in.Targets))
	for i, t := range in.Targets {
		configs[i], attributions[i] = t.Config, t.Attribution
	}
	notReached := notReachedOf(out.Unreached, in.Targets)
	out = outcomeReached(out, notReached)
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
	addrs, _ := byPosition(addressKeys(out.TargetAddresses, framework.Target.ExtrasKey), in.Targets)
	for i := range addrs {
		signatures.AddTargetAddresses(&post[i], addrs[i])
	}
	for i, why := range notReached {
		if why != "" {
			post[i] = signatures.NotReachedSignature(post[i].ExecutionStatus, why)
		}
	}
	keyed, twice := extrasKeys(out.TargetExtras, framework.Target.ExtrasKey, nil)
	extras, err := byTarget(keyed, twice, in.Targets)
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
// of targets (nil when there are none), each found by its target's
// framework.Target.ExtrasKey: m is keyed so, and twice holds the targets
// two keys named with different extras (see extrasKeys). Keys that name no
// target are an error naming the first keysNamed of them (configuration
// and attribution), in order, and how many more: an executor keying
// targets it changed or made up may have missed them all, so the caller
// sends none of its per-target extras. So is a target keyed twice: which
// key's extras it should carry is not known.
func byTarget(m map[framework.Target]framework.TypeExtras, twice []framework.Target, targets []framework.Target) ([]framework.TypeExtras, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out, bad := byPosition(m, targets)
	if len(bad) == 0 && len(twice) == 0 {
		return out, nil
	}
	var errs []string
	if len(bad) > 0 {
		errs = append(errs, fmt.Sprintf("target extras keyed %s: not one of the %d targets", namedKeys(bad), len(targets)))
	}
	if len(twice) > 0 {
		names := make([]string, len(twice))
		for i, t := range twice {
			names[i] = t.String()
		}
		slices.Sort(names)
		errs = append(errs, fmt.Sprintf("target extras keyed twice, with different extras, for %s (a pointer configuration and its value, or two pointers to one value)",
			namedKeys(names)))
	}
	return nil, errors.New(strings.Join(errs, "; "))
}

// keysNamed is how many keys an error names: an executor that forgot the
// attribution keys every target wrongly, and a line naming each of a
// hundred thousand would be megabytes long.
const keysNamed = 10

// namedKeys joins the first keysNamed of names, then says how many more.
func namedKeys(names []string) string {
	if len(names) <= keysNamed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(names[:keysNamed], ", "), len(names)-keysNamed)
}

// extrasKeys re-keys per-target extras m by the target each key names
// (keyOf: the key's framework.Target.ExtrasKey, or the runtime's reading of
// a key it handed the executor, see handedKeys), each entry's extras made
// by own (nil: kept). A key whose configuration is a pointer is read once,
// here: the map returned holds none, so nothing that reads it later (the
// payload, a WARN, Target.String, the JSON of the output) reads memory the
// executor still holds. Keys naming one target (a pointer configuration
// and its value, two pointers to one value) are one entry when their
// extras are deeply equal (an executor keying each of its targets, given
// twice as pointers, by in.Targets[i]); else the target is in twice, in no
// order, and which extras the map holds for it is not to be relied on.
func extrasKeys(m map[framework.Target]framework.TypeExtras, keyOf func(framework.Target) framework.Target,
	own func(framework.TypeExtras) framework.TypeExtras) (map[framework.Target]framework.TypeExtras, []framework.Target) {
	if m == nil {
		return nil, nil
	}
	out := make(map[framework.Target]framework.TypeExtras, len(m))
	var twice []framework.Target
	var seen map[framework.Target]bool // targets already in twice
	for k, te := range m {
		if own != nil {
			te = own(te)
		}
		key := keyOf(k)
		if prev, ok := out[key]; ok && !seen[key] && !reflect.DeepEqual(prev, te) {
			if seen == nil {
				seen = map[framework.Target]bool{}
			}
			seen[key], twice = true, append(twice, key)
		}
		out[key] = te
	}
	return out, twice
}

// handedKeys returns how the runtime reads a key of the per-target extras
// of an executor handed handed, its copy of targets (executorTargets),
// taken before the executor runs: a key whose configuration is a pointer
// handed to the executor names the target it was handed for, with the
// key's attribution, whatever the executor wrote through the pointer
// since (it is the executor's: read, it would race with a goroutine the
// executor left running, and could name another target); any other key is
// read as framework.Target.ExtrasKey reads it.
func handedKeys(targets, handed []framework.Target) func(framework.Target) framework.Target {
	var at map[signatures.Config]int // by the pointer's identity: never read through
	for i, t := range handed {
		switch t.Config.(type) {
		case *signatures.NetworkConfig, *signatures.CloudConfig, *signatures.ExternalConfig:
			if at == nil {
				at = make(map[signatures.Config]int)
			}
			at[t.Config] = i
		}
	}
	return func(k framework.Target) framework.Target {
		if i, ok := at[k.Config]; ok {
			return framework.Target{Config: targets[i].ExtrasKey().Config, Attribution: k.Attribution}
		}
		return k.ExtrasKey()
	}
}
