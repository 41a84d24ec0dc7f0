package framework

import "github.com/injectkit/injectkit/signatures"

// The optional capabilities an executor may implement. The runtime finds
// them by type assertion; none of them is a method of Executor.

// Manifester describes an executor: its name, category and parameters.
type Manifester interface {
	Manifest() Manifest
}

// ParamsFactory returns a fresh pointer to the executor's parameter struct,
// filled with its defaults. The runtime decodes the inject's params into it
// strictly (unknown keys are errors) and hands it to Execute as Inject.Params.
type ParamsFactory interface {
	NewParams() any
}

// ParamsValidator checks decoded parameters before Execute is called. It must
// be fast and must not touch the network.
type ParamsValidator interface {
	ValidateParams(params any) error
}

// TargetsValidator checks the inject's targets against what the executor
// supports (a cloud provider, a service) before anything runs: an error is
// an invalid request, and nothing is executed or sent. It must be fast and
// must not touch the network.
type TargetsValidator interface {
	ValidateTargets(targets []Target) error
}

// Configurer receives the executor's settings (see Manifest.Settings) from
// the configuration file, the environment or the defaults, before any inject.
type Configurer interface {
	Configure(settings map[string]string) error
}

// Closer releases what the executor holds; the runtime calls it once, on
// shutdown.
type Closer interface {
	Close() error
}

// Manifest documents an executor.
type Manifest struct {
	Name        string
	Category    Category // empty: accepts any category (noop)
	Description string
	Params      []Param
	Settings    []Setting
	// Expectations are the expectation types the injector declares to a
	// platform (contracts).
	Expectations []signatures.ExpectationType
	// Outputs are the structured outputs the injector's Findings hold, by
	// field name (contracts).
	Outputs []Output
	// Platforms and AttackPatterns document the contract (for example
	// "Linux", "T1046").
	Platforms      []string
	AttackPatterns []string
}

// Param types.
const (
	ParamString   = "string"
	ParamInt      = "int"
	ParamBool     = "bool"
	ParamDuration = "duration"
	ParamEnum     = "enum"
)

// Param documents one parameter.
type Param struct {
	Name     string
	Type     string // one of the Param* constants
	Default  string
	Enum     []string // valid values of an enum
	Doc      string
	Required bool
}

// Setting is a per-injector configuration value, read from the config file
// key "<injector>.<Key>" or the environment variable Env.
type Setting struct {
	Key     string
	Env     string
	Default string
	Doc     string
	// Secret settings are never logged or printed.
	Secret bool
}

// Output is one structured output field of an injector's findings.
type Output struct {
	Type     string // platform output type: portscan, port, action_output, text…
	Field    string // key in Findings
	Labels   []string
	Multiple bool
	Finding  bool // finding compatible
}
