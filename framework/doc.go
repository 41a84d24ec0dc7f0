// Package framework is the contract between injectkit and an injector,
// as database/sql/driver is between database/sql and a driver: what an
// injector implements and what it is handed, nothing that runs it. It owns
// the Executor interface, the Inject an executor acts on (its Targets,
// decoded Params, scoped logger and Partial results), the ToolOutput it
// returns, the optional capabilities the runtime detects (Manifester,
// ParamsFactory, Validator, ParamsValidator, TargetsReader,
// TargetsValidator, Configurer, DirectSender, Preflighter, Closer), the Manifest that documents an injector, the Registry of
// injectors, and the errors an injector returns or is refused with. It
// performs no I/O and imports neither the transport nor the outbox:
// injectors compile against it and package signatures (whose typed target
// configurations it hands them). Package runtime takes an inject
// through its lifecycle; its documentation says when each capability is
// called and what each failure does.
//
// # Writing an injector
//
// An injector implements one method:
//
//	Execute(ctx context.Context, in *Inject) ToolOutput
//
// and may implement, found by type assertion: Manifester (name, category,
// params, documentation), ParamsFactory (its own typed params struct,
// decoded strictly, read back with ParamsOf), Validator on that struct,
// ParamsValidator, TargetsReader (it only reads the targets it is handed:
// it is handed the runtime's own, not a copy), TargetsValidator,
// Configurer (settings from the config
// file or the environment), DirectSender (its traffic goes to its targets'
// own addresses: each target's source address is the one on the route to
// it, and with the openaev profile only its targets carry their target
// addresses: leave it out and the platform gets none), Preflighter (serve warns at start that none of its injects can run
// here: its tool is not installed) and Closer.
//
// Execute returns one outcome: ToolOutput.Status (success, partial,
// failed, timeout), with ErrorInfo as its detail (JoinErrors makes its
// message of the targets' errors). The tool's failures are
// outcomes, delivered like successes. Execute honours ctx: when it ends,
// the executor stops and returns what it has; the runtime marks the run as
// timed out and attaches every result reported through Inject.Partial, so
// an executor never builds the timeout itself. Per-target extras are keyed
// by the target itself, as Inject.Targets holds it.
//
// Injectors return what happened; they log progress with Inject.Logger,
// never their failures (the runtime logs each failure once), and never
// exit the process. docs/writing-an-injector.md is the guide, step by
// step; package frameworktest tests an injector against this contract.
//
// # What an injector uses
//
// Of the rest of this package an injector needs: MustParamsSpec (its
// manifest's params), ParamsOf (its params in Execute; ParamsAs in a
// ParamsValidator), NewEnumCheck, DecodeParams and CheckParams (its tests),
// JoinErrors, ParseDuration (a duration it reads itself), the Manifest
// types and constants, and NewRegistry in its binary's main.
//
// # What serves the runtime
//
// What only the lifecycle uses lives outside this package: a request's
// refusal is runtime.RequestError; an injector's method called with its
// panic turned into an error is internal/hook's (hook.Call,
// hook.PanicError), which this package's Registry and DecodeParams share
// with the runtime; the folding of a setting's name, the advice for a
// duration that rounds to 0s and the check that a manifest's params
// agree with NewParams are internal/fold's, internal/scalar's and
// internal/drift's. Of this package the runtime and the command line
// also use Registry.Manifest (an injector's manifest, derived once),
// Manifest.ParseParam (a param given as text, as --param and the
// platform's form give it) and Manifest.WithholdParam (a param's refusal
// without a secret's value), so that they read a param, a setting or a
// refusal as the injector's own checks do; an injector has no use for
// them. UnknownInjectorError is the Registry's: a binary's main may
// branch on it.
package framework
