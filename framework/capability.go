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
// strictly (unknown keys are errors, see DecodeParams), validates it (see
// Validator) and hands it to Execute as Inject.Params, where ParamsOf reads
// it. The struct is the one declaration of the params: the manifest's list
// is derived from its fields and tags with ParamsSpec.
type ParamsFactory interface {
	NewParams() any
}

// Validator is implemented by a params value (what NewParams returns) that
// checks itself: the runtime calls Validate on the decoded params before
// Execute. It must be fast and must not touch the network. A
// *signatures.ValidationError names the field by its json name ("timing");
// the runtime reports it on "params.timing".
type Validator interface {
	Validate() error
}

// ParamsValidator checks decoded parameters against the executor (a scan
// that needs privileges it lacks, say), after the params' own Validate.
// Checks of the params alone belong in their Validate method. It must be
// fast and must not touch the network.
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
// the configuration file, the environment or the defaults. The registry
// builds a fresh executor for every inject, and the runtime configures it
// after decoding the inject's params, before anything runs.
type Configurer interface {
	Configure(settings map[string]string) error
}

// DirectSender is implemented by an executor whose traffic goes to its
// network targets' own addresses (a port scanner), rather than to an API
// that acts on them, or nowhere. When SendsToTargets reports true, the
// signatures of each network target given as an address carry as source
// address the one the kernel would send from on the route to that target
// (the one its defences see; see signatures.RouteSources), not the
// host-wide address the targets of every other executor share; a target
// given as a host name is resolved by the system resolver, as the tool
// resolves it, and gets the source on the route to its first address of
// each family it resolves to, first in the order the C library's
// getaddrinfo returns them (RFC 6724 section 6, as glibc applies it: the
// address nmap scans), not the resolver's. The openaev profile
// (runtime.Request.TrafficSources) sends one family's source alone, the
// family nmap's traffic uses: an address's own, and IPv4 for a host name
// whatever it resolves to (nmap, given a name without -6, scans its
// first IPv4 address; the route to the name's IPv6 address is never
// looked up). An executor that reaches a name another way sends from a
// source its signatures do not name: Go's net.Dialer on "tcp" may reach
// a dual-stack name over IPv6 (RFC 6724's order, Happy Eyeballs), so
// dial "tcp4" (or "ip4"), as the signatures assume.
//
// It also decides whether the platform gets the targets' addresses: the
// openaev profile sends a target's target_ipv4_address,
// target_ipv6_address or target_hostname_address only when
// SendsToTargets reported true (runtime.Report.Indirect unset). An
// executor that leaves it out, or reports false, has none of its targets'
// addresses sent there, whatever its traffic: a collector matches a target
// address to the destination of any event, so it would let an event that
// merely names the asset validate traffic that never went there. The
// default profile keeps them.
//
// The runtime calls it
// once per inject, after Configure; it must be fast and must not touch the
// network. Implementing it is also what has an intake resolve the
// targets' host names before the run (runtime.Runtime.LookupHosts:
// openaev skips an asset whose name resolves only to loopback, which a
// scan would reach on the injector's own host), whatever SendsToTargets
// will say of the inject's params; an executor that does not implement
// it has no name resolved.
type DirectSender interface {
	SendsToTargets() bool
}

// TargetsReader is implemented by an executor that only reads the targets
// it is handed (Inject.Targets, and ValidateTargets'), during the call
// and after it (a goroutine it left running, its Close, an Execute
// abandoned at its deadline): it writes to neither the slice nor a
// configuration given as a pointer. When ReadsTargetsOnly reports true,
// the runtime hands it its own targets instead of a copy of its own,
// which at a million targets is 64 MB written before Execute starts. An
// executor that may write there leaves it out (or reports false): what it
// would change would reach the report. The runtime calls it once per
// inject, before ValidateTargets; it must be fast.
type TargetsReader interface {
	ReadsTargetsOnly() bool
}

// Preflighter is implemented by an executor that can tell, without
// running an inject, that none can run on this machine: the tool it runs
// is not installed, say. serve calls it once at start on each injector
// it serves and logs a WARN for each error; it serves the injector all
// the same (the tool may be installed meanwhile; each inject says why it
// failed). It must be fast and must not touch the network.
type Preflighter interface {
	Preflight() error
}

// Closer releases what the executor holds. Close is called once on each
// executor built: by the runtime after delivery, on the executor it built
// for an inject, and by the CLI's checks (serve's start, validate) on the
// executors they configured or preflighted, once those checks are done.
// It is never called while Execute runs: an Execute the runtime abandoned
// at its deadline (it did not return within the grace) is closed when it
// returns, if ever, after the run's report was delivered.
type Closer interface {
	Close() error
}

// Manifest documents an executor.
type Manifest struct {
	// Name is the name the injector is registered under, a command-line
	// word (ValidateInjectorName).
	Name     string
	Category Category // empty: accepts any category (noop)
	// Description is one sentence saying what the injector does, shown
	// by "injectors" and as the contract's description.
	Description string
	// Params are the per-inject parameters: MustParamsSpec(NewParams()),
	// never written by hand (left empty, Registry.Manifest derives them).
	Params []Param
	// Settings are the per-deployment values handed to Configure.
	Settings []Setting
	// SecretEnv names the environment variables holding secrets the
	// injector's libraries read on their own, no setting of its giving
	// them (AWS_SECRET_ACCESS_KEY, which the AWS SDK reads). Their values
	// are treated as Secret settings' are: a param refused whose value
	// holds one is withheld, and they are redacted from the logs, the
	// errors and everything the executor returns; one shorter than
	// MinLibrarySecretLen is not (see LibrarySecrets).
	SecretEnv []string
	// ReadSecrets, when set, returns the secrets the injector's libraries
	// read on their own from elsewhere than the environment (the AWS SDK's
	// credentials file, for the profile selected), as settings (its
	// settings as Configure would get them, nil or partial: those given)
	// select them. It reads only what an inject with those settings would
	// use, and gives none of what it cannot read (the inject says why).
	// Its values are treated as SecretEnv's (see LibrarySecrets).
	ReadSecrets func(settings map[string]string) []string `json:"-"`
	// Expectations are the expectation types the injector declares to a
	// platform (contracts).
	Expectations []signatures.ExpectationType
	// Outputs are the structured outputs the injector's Findings hold, by
	// field name (contracts).
	Outputs []Output
	// Platforms and AttackPatterns document the contract (for example
	// "Linux", "T1046"). A platform must be one of the OpenAEV platform
	// types (Linux, Windows, MacOS, Container, Service, Generic, Internal,
	// Unknown, and on the current line Android and iOS; see
	// openaev.PlatformTypes and openaev.ValidateManifest); an injector
	// that runs nowhere in particular (cloud, external) declares none.
	Platforms      []string
	AttackPatterns []string
	// Domains are the security domains of the injector's contract (see
	// DomainNetwork, DomainCloud…).
	Domains []Domain
	// SecurityPlatforms names, per expectation type, the kinds of security
	// platform expected to answer it (SecurityNDR, SecuritySIEM…). An
	// expectation type without an entry may be answered by any platform.
	SecurityPlatforms map[ExpectationType][]string
}

// Domain is a security domain of a contract, as the platform shows it: a
// name and a colour.
type Domain struct {
	Name  string // as the platform names it ("Network")
	Color string // as the platform shows it ("#009933")
}

// The platform's security domains (the names and colours of pyoaev's
// SecurityDomains).
var (
	DomainEndpoint     = Domain{Name: "Endpoint", Color: "#389CFF"}
	DomainNetwork      = Domain{Name: "Network", Color: "#009933"}
	DomainWebApp       = Domain{Name: "Web App", Color: "#FF9933"}
	DomainEmail        = Domain{Name: "E-mail Infiltration", Color: "#FF6666"}
	DomainDataExfil    = Domain{Name: "Data Exfiltration", Color: "#9933CC"}
	DomainURLFiltering = Domain{Name: "URL Filtering", Color: "#66CCFF"}
	DomainCloud        = Domain{Name: "Cloud", Color: "#9999CC"}
	DomainTabletop     = Domain{Name: "Tabletop", Color: "#FFCC33"}
	DomainAI           = Domain{Name: "Artificial Intelligence", Color: "#7C4DFF"}
	DomainToClassify   = Domain{Name: "To classify", Color: "#FFFFFF"}
)

// Security platform types an expectation may name (pyoaev's
// SecurityPlatformType).
const (
	SecurityEDR         = "EDR"
	SecurityXDR         = "XDR"
	SecuritySIEM        = "SIEM"
	SecuritySOAR        = "SOAR"
	SecurityNDR         = "NDR"
	SecurityISPM        = "ISPM"
	SecurityLLMFirewall = "LLM_FIREWALL"
	SecurityAIGateway   = "AI_GATEWAY"
)

// Param types.
const (
	ParamString   = "string"
	ParamInt      = "int"
	ParamBool     = "bool"
	ParamDuration = "duration"
	ParamEnum     = "enum"
)

// Param documents one parameter. An executor with a ParamsFactory derives
// its list with ParamsSpec rather than writing it by hand.
type Param struct {
	Name     string   // the json tag's name: --param NAME=…, the inject file's key
	Type     string   // one of the Param* constants
	Default  string   // the value NewParams sets, as --param writes it; "" for a required param
	Enum     []string // valid values of an enum
	Doc      string   // the doc tag: the help of "injectors NAME"
	Required bool     // the param tag's required: an inject must give it
	// Example is a value of the param that the CLI help's examples give it
	// (the `param:"example=v"` tag option), for a required param without
	// a default; "" for none.
	Example string
	// Min and Max bound an int param, as decimal text: its tag's range
	// (`param:"min=0,max=5"`), else its Go type's when narrower than
	// int64 (0 and 255 for a uint8); "" for any other param. ParamsSpec
	// sets them; the runtime refuses a value out of them.
	Min, Max string
}

// Setting is a per-injector configuration value, given per deployment,
// never per inject. Its value is the environment variable Env's when that
// is set and not empty, else the config file's key "<injector>.<Key>"
// (<injector> the name the executor is registered under), else Default:
// the variable wins over the file.
type Setting struct {
	Key     string // the config file's key under the injector's name
	Env     string // the environment variable that sets it, "" for none
	Default string // the value when neither sets it
	Doc     string // the help of "injectors NAME"
	// Secret settings never leave the process: the runtime redacts
	// their values from its logs and from everything the executor
	// returns (its messages, findings, extras and partial results).
	Secret bool
	// Required settings have no default the injector can run with:
	// `validate` refuses an inject of the injector while one is unset.
	Required bool
}

// Output is one structured output field of an injector's findings.
type Output struct {
	Type     string   // platform output type: portscan, port, action_output, text…
	Field    string   // key in Findings
	Labels   []string // labels of its findings (default: the injector's name)
	Multiple bool     // the value is a list, each item checked against Type
	Finding  bool     // the contract's isFindingCompatible: the platform stores it, and makes findings of every output but asset and action_output whatever it says
}
