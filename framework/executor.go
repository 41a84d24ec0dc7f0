package framework

import (
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// Executor is the one thing an injector implements: act on the inject's
// targets and report what happened. Execute must honour ctx: when it is
// cancelled (deadline, signal) the executor stops and returns what it has;
// the runtime marks the run as timed out. A returned ToolOutput is never an
// error to the runtime: failures are outcomes, described in it.
type Executor interface {
	Execute(ctx context.Context, in *Inject) ToolOutput
}

// The signatures types an injector needs, aliased so that an injector
// imports one package.
type (
	ErrorInfo       = signatures.ErrorInfo
	ExecutionStatus = signatures.ExecutionStatus
	ExpectationType = signatures.ExpectationType
	Category        = signatures.Category
	TypeExtras      = signatures.TypeExtras
)

// Expectation types, categories and outcomes, re-exported for injectors.
const (
	Detection     = signatures.Detection
	Prevention    = signatures.Prevention
	Vulnerability = signatures.Vulnerability

	Network  = signatures.Network
	Cloud    = signatures.Cloud
	External = signatures.External

	StatusSuccess = signatures.StatusSuccess
	StatusPartial = signatures.StatusPartial
	StatusFailed  = signatures.StatusFailed
	StatusTimeout = signatures.StatusTimeout
)

// ToolOutput is what an executor returns: one outcome, its detail, and
// what the tool found. It belongs to the runtime once returned: the
// executor must not write in its maps, lists or ErrorInfo afterwards. The
// runtime takes its own copy of them (and of the lists and objects the
// maps hold: []any, []string, map[string]any) the moment Execute returns;
// values of other types are kept as they are.
type ToolOutput struct {
	// Status is the outcome: StatusSuccess (or ""), StatusPartial,
	// StatusFailed or StatusTimeout. A run cut short by its deadline or a
	// cancellation that did not fail is a timeout whatever Status says:
	// the runtime marks it, with every result reported through
	// Inject.Partial.
	Status ExecutionStatus
	// ErrorInfo details the outcome (the tool's exit code, its message,
	// the time it crashed); it never changes it. A non-zero ExitCode with a
	// successful Status is malformed output (see Validate). The
	// CrashTimestamp of a failed run, rounded up to the whole second, is
	// its signatures' end time (the start time when it is earlier, the
	// time of the report rounded up to the second when it is later:
	// end_time is never before start_time, nor more than that rounding
	// past the end of the run). Give it to the nanosecond
	// (time.RFC3339Nano): a time cut down to the second could make a
	// failed run's window empty.
	ErrorInfo *ErrorInfo
	// ExtraSignatures is merged into every signature.
	ExtraSignatures map[string]any
	// ExtraByType holds per-expectation-type extras added to every
	// target's group of that type.
	ExtraByType TypeExtras
	// TargetExtras holds per-expectation-type extras of single targets,
	// keyed by the target as Inject.Targets holds it (matched by
	// Target.ExtrasKey: a configuration given as a pointer by the value it
	// points to; the runtime reads a pointer it handed the executor, never
	// through it, as the target it was handed for, whatever the executor
	// wrote there since); a target without an entry gets none. They win over ExtraByType on a name
	// clash. The key is the whole target, its configuration and its
	// attribution, not its address: one inject may name an address twice,
	// attributed to two assets, and each keeps its own extras. Targets
	// equal in both are one target given twice, with the same signatures:
	// they share the entry. A key naming no target of the inject is not
	// sent (see runtime.Runtime.Run), nor are two keys naming one target
	// (a pointer configuration and its value) with extras not deeply
	// equal: none of the run's per-target extras are then sent.
	TargetExtras map[Target]TypeExtras
	// Unreached names the targets the executor sent nothing to (a name
	// that does not resolve, a scan the deadline came before, an account
	// its credentials cannot reach), each with why, in words that finish
	// "<injector> on <target>: " ("not scanned: the name does not
	// resolve"; "" reads as "not reached"). Keyed as TargetExtras is (a
	// key naming no target of the inject is ignored, the runtime logs it).
	// Such a target's signature holds the run's status and that reason
	// alone: no address, no time, no extra, nothing a collector could
	// match to traffic that never existed; a run none of whose targets
	// was reached is failed, unless it was cut short (its deadline, a
	// cancellation): a timeout stays one whatever it reached, its
	// reasons saying what the deadline or the interrupt came before.
	// Name only targets that got no traffic at all: one the tool was
	// probing when its deadline came is reached.
	Unreached map[Target]string
	// TargetStatus holds the outcomes of single targets, keyed as
	// TargetExtras is: StatusSuccess for a target that got no error of
	// its own, StatusPartial, StatusFailed or StatusTimeout for one that
	// did (a query the search engine refused, a check denied; a target
	// the deadline or an interrupt cut short is StatusTimeout), whatever
	// the run's Status. A target without an
	// entry has no outcome of its own known; one in Unreached was not
	// reached, whatever its entry. It changes neither the run's Status
	// nor any signature: the openaev profile's per-target traces say it
	// (runtime.Report.TargetStatus). Two keys naming one target keep the
	// worse outcome (failed, timeout, partial, success); a key naming no
	// target, or an outcome that is none of those four ("" among them), is
	// ignored, the runtime logs it (frameworktest.Conformance reports both).
	TargetStatus map[Target]ExecutionStatus
	// TargetAddresses holds, per host name target (keyed as TargetExtras
	// is), the addresses the tool resolved the name to and sent to: nmap's
	// report names the address it scanned. The target's signatures carry
	// the first IPv4 one as target_ipv4 and the first IPv6 one as
	// target_ipv6 beside its target_hostname (signatures.TargetAddresses):
	// the collectors that match traffic on its destination address read
	// no host name. An entry of a target that is no host name, or not
	// reached (Unreached), is not sent; a key naming no target of the
	// inject is ignored, the runtime logs it. Leave out a name the tool
	// never sent to.
	TargetAddresses map[Target][]netip.Addr
	// Findings is the injector's structured result, carried untouched;
	// a key whose value JSON cannot encode (NaN, a chan…) is left out by
	// the runtime, and fails the run naming it, as an extra does.
	Findings map[string]any
}

// ExecutionStatus returns the outcome: Status, with "" read as success.
func (o ToolOutput) ExecutionStatus() ExecutionStatus {
	if o.Status == "" {
		return StatusSuccess
	}
	return o.Status
}

// Validate checks that Status is a known outcome and that ErrorInfo does
// not contradict it (a non-zero exit code is not a success), and the CrashTimestamp of a failed run, an RFC 3339 time
// (signatures.ErrorInfo.CrashTime, the runtime's check of it).
func (o ToolOutput) Validate() error {
	switch o.Status {
	case "", StatusSuccess, StatusPartial, StatusFailed, StatusTimeout:
	default:
		return &signatures.ValidationError{Field: "status", Value: string(o.Status),
			Reason: "unknown status (valid: success, partial, failed, timeout)"}
	}
	if o.ErrorInfo != nil && o.ErrorInfo.ExitCode != 0 && o.ExecutionStatus() == StatusSuccess {
		return &signatures.ValidationError{Field: "error_info.exit_code", Value: strconv.Itoa(o.ErrorInfo.ExitCode),
			Reason: "a non-zero exit code on a successful outcome (set Status to failed or partial)"}
	}
	if o.ErrorInfo != nil && o.ExecutionStatus() == StatusFailed {
		if _, err := o.ErrorInfo.CrashTime(); err != nil {
			return err
		}
	}
	return nil
}

// Target is one target of an inject: its typed configuration and the
// platform's attribution of it (agent, asset, asset group), which its
// signature carries.
type Target struct {
	Config      signatures.Config      // Network, Cloud or External: read it with those methods
	Attribution signatures.Attribution // the agent, asset and asset group; empty for a manual target
}

// ExtrasKey is the target as a key of ToolOutput.TargetExtras names it: its
// configuration as a value (one given as a pointer replaced by the value it
// points to; a nil pointer kept) and its attribution. A key names each
// target of the inject whose ExtrasKey is its own (see
// ToolOutput.TargetExtras).
func (t Target) ExtrasKey() Target {
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

// String names the target in a message: its configuration's fields and
// its attribution, as one JSON object
// ({"target_ipv4":"10.0.0.9","asset":"a-1"}).
func (t Target) String() string {
	cfg, err := json.Marshal(t.Config)
	if err != nil || len(cfg) < 2 || cfg[0] != '{' { // no configuration
		cfg = []byte("{}")
	}
	attr, _ := json.Marshal(t.Attribution) // three strings: always encodes
	switch {
	case string(attr) == "{}":
		return string(cfg)
	case string(cfg) == "{}":
		return string(attr)
	}
	return string(cfg[:len(cfg)-1]) + "," + string(attr[1:])
}

// Network returns the target's network configuration, if it is one.
func (t Target) Network() (signatures.NetworkConfig, bool) {
	c, ok := t.Config.(signatures.NetworkConfig)
	return c, ok
}

// Cloud returns the target's cloud configuration, if it is one.
func (t Target) Cloud() (signatures.CloudConfig, bool) {
	c, ok := t.Config.(signatures.CloudConfig)
	return c, ok
}

// External returns the target's external configuration, if it is one.
func (t Target) External() (signatures.ExternalConfig, bool) {
	c, ok := t.Config.(signatures.ExternalConfig)
	return c, ok
}

// Inject is what an executor is asked to act on. The runtime hands each
// executor its own copy of the targets, the expectation types and the
// params, and never reads them back: changing them, then or later,
// changes nothing it reports. ValidateTargets is handed a copy of the
// targets of its own: what it changes there does not reach Execute. An
// executor that only reads its targets (a TargetsReader) is handed the
// runtime's own instead, uncopied.
type Inject struct {
	// ID is the platform's inject id.
	ID string
	// Injector is the registered name of the executor.
	Injector string
	// Category is the category shared by every target.
	Category Category
	// Targets holds one entry per target, in the order given. Results are
	// attributed back to targets by address or name, and per-target extras
	// by the target itself (ToolOutput.TargetExtras).
	Targets []Target
	// ExpectationTypes are the expectations the platform will check.
	ExpectationTypes []ExpectationType
	// Params holds the decoded parameters: the value returned by the
	// executor's NewParams (a pointer to its own struct; see ParamsOf) when
	// it implements ParamsFactory, else a map[string]any.
	Params any
	// Log is a logger scoped with the injector and the inject id.
	Log *zap.Logger
	// SecretEnv names the environment variables that hold a secret of
	// the process: the Env of every Secret setting of every registered
	// injector, the variables each manifest names as its libraries'
	// secrets (Manifest.SecretEnv), and the caller's own (the backend
	// token's INJECTKIT_TOKEN: runtime.WithSecretEnv), set by the runtime.
	// A child process the executor starts inherits none of them: give it
	// ChildEnv's environment.
	SecretEnv []string

	mu      sync.Mutex
	partial []string
}

// Partial reports one partial result as soon as it is known
// (for example "10.0.0.1:22/tcp open ssh"). If the run ends as a timeout,
// each partial result reported is kept in the signatures of the targets it
// names by address, host name, query or cloud region (a result naming no
// target, or too many, goes to every target, the first few only; see
// signatures.MaxNamedTargets). Name the target in each result. Safe for
// concurrent use.
func (in *Inject) Partial(result string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.partial = append(in.partial, result)
}

// PartialResults returns a copy of the partial results reported so far.
func (in *Inject) PartialResults() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.partial...)
}

// Logger returns the inject's scoped logger (never nil).
func (in *Inject) Logger() *zap.Logger {
	if in.Log == nil {
		return zap.NewNop()
	}
	return in.Log
}
