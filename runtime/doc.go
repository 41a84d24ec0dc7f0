// Package runtime takes an inject from intake to delivery, as database/sql
// drives the drivers of database/sql/driver: package framework is what an
// injector implements, this package is what runs it. It owns the Runtime
// (built once with New, immutable, safe for concurrent Runs), the Request
// it reads (DecodeInjectFile for an inject file, its targets read one at a
// time), the Report it hands to a
// Deliverer, the optional hooks of a wire profile (Receiver, Rejecter), the
// Observer that times every inject, and the delivery errors
// (DeliveryError, StoredError). It knows no wire format: the callback
// profile is package transport/callback, the openaev profile package
// openaev, and durability the decorator transport/outbox.Deliverer, which
// wraps either.
//
// Words: a target is what an executor acts on (framework.Target); a
// request writes each one as a TargetSpec; the platform's attribution of a
// target (agent, asset, asset group) is a signatures.Attribution, its
// signature_target on the wire.
//
// # Lifecycle and failures
//
// Runtime.Run takes a Request through these steps, in order:
//
//  1. Prepare: injector known; inject id (when given) and phase (when
//     given) printable, at most 256 bytes (signatures.ValidateID), since
//     both go into a callback's URL and Idempotency-Key; timeout not
//     negative; at least one target, known expectation
//     types; each target becomes a typed configuration, all of one
//     category, the injector's; a TargetsValidator checks them. Params are
//     decoded strictly into the injector's struct and checked
//     (framework.DecodeParams); settings are handed to Configure. Failure:
//     a *RequestError, logged once (WARN "inject rejected");
//     nothing runs, nothing is sent, except that a Rejecter deliverer
//     reports the refusal (the openaev profile's reception and terminal
//     INVALID_USAGE). The CLI exits 2. A panic of one of the executor's
//     checks (ReadsTargetsOnly, ValidateTargets, NewParams, the params' Validate,
//     ValidateParams, Configure, SendsToTargets) is the injector's bug, not a refusal: it
//     is recovered as a panic of Execute (step 4), the executor is not run
//     and the failed outcome names the injector and the method.
//  2. Received: a Receiver deliverer acknowledges the inject (the openaev
//     profile's reception and first trace), or checks that it can send its
//     report (the callback profile plans the least payload,
//     Prepared.LeastPayloadTargets, under its size limit). Failure:
//     returned as it is, logged once; nothing runs. A
//     *RequestError from it is a refusal as in step 1 (exit 2).
//  3. Pre-execution signatures, stamped with the start time and, for
//     network targets, the source IP: the host-wide one, or, for a
//     framework.DirectSender, each target's on the route to it, a host
//     name's to the address a scanner scans of those it resolves to, the
//     first in glibc getaddrinfo's RFC 6724 order
//     (signatures.RouteSources, looked up while the
//     executor runs, step 4, the names left when it returns within one
//     name-lookup timeout, 5 s, of its return). Failure: a
//     *RequestError, as in step 1.
//  4. Execute under the deadline (the request's timeout, else WithTimeout,
//     default DefaultTimeout, 10 m). The executor is handed its own copy
//     of the targets, the expectation types and the params (its checks
//     too: ValidateTargets gets a copy of the targets of its own, let go
//     when it returns). The targets' copy is made when the method is
//     called and never read back: the signatures are compiled and routed
//     from the runtime's, and the report holds them, whatever the
//     executor changes in its Inject, during the call or after it (a
//     goroutine it left running, its Close, an executor abandoned,
//     below). An executor that only reads its targets (a
//     framework.TargetsReader whose ReadsTargetsOnly, called first among
//     its checks, reports true) is handed the runtime's own targets
//     instead, uncopied, for both methods. What Execute returns is the runtime's once returned
//     (framework.ToolOutput): the executor must not write in it
//     afterwards, as the runtime copies it then (its ErrorInfo, its maps
//     and the lists and objects in them, each once) before anything
//     reads it; a goroutine of the executor writing there during the
//     copy is a concurrent map access, which stops the process, and one
//     writing after it changes nothing reported. When the deadline passes or the caller cancels, the
//     context is cancelled; if Execute has not returned the grace
//     (WithGrace, default DefaultGrace, 5 s) later the runtime stops
//     waiting (WARN "executor did not return after its deadline;
//     abandoned"). A run cut short that did not fail is a
//     timeout, with every result reported through Inject.Partial. A panic
//     is recovered: the outcome is failed (exit code 1, the panic message
//     in ErrorInfo, the stack logged at DEBUG). The tool's own failures are
//     outcomes, not errors: they are delivered. The Observer's OnExecuted
//     and the "executed" line get the executor's duration: from the call
//     of Execute (or of the check that panicked) to its return, or to the
//     runtime's abandoning it, without the runtime's copy of its output. WithProgress reports snapshots while
//     the executor runs (partial results, the targets they name, elapsed
//     time), the last one when it returns. The values of the
//     executor's Secret settings are then redacted (httpx.Redact, every
//     form it knows) from what it returned: its message (a panic's
//     too), findings and extras (keys and values at any depth: strings,
//     a number whose JSON form shows one becoming the string
//     [REDACTED], keys of a map[string]any made alike kept apart as
//     "K", "K (2)"…), partial
//     results, and the messages the runtime makes of them; no wire
//     profile, stdout or outbox ever holds them.
//  5. Post-execution signatures: end time, outcome, partial results and
//     extra signatures merged. Malformed output (what
//     framework.ToolOutput.Validate refuses: an unknown status, a non-zero
//     exit code on a success, a failed run's crash timestamp that is no
//     RFC 3339 time; a colliding extra) becomes a failed outcome rather
//     than a lost inject. An extra or a finding whose value
//     JSON cannot encode (signatures.ExtraValueError: NaN, ±Inf, a chan…,
//     or a MarshalJSON that panics), of any kind, is left out and fails
//     the run, the rest kept. A target the executor names in Unreached
//     (it sent nothing there) gets a signature of the run's status and
//     why alone (signatures.NotReachedSignature); a run none of whose
//     targets was reached is failed, unless it was cut short (a timeout
//     stays one, whatever it reached); a key naming no target is ignored
//     (WARN).
//  6. Payload: one entry per target, one value group per expectation type,
//     per-type and per-target extras added (extras that collide with a
//     core field or its platform type, or another extra of their map in
//     another case, signatures.ExtrasErrors, or
//     under a key that is no expectation type, are dropped, logged at
//     ERROR).
//  7. Deliver, with a context that outlives the caller's cancellation, so
//     a SIGINT still delivers the timeout signatures. The Observer's
//     OnDelivered gets the delivery's duration and error. Failure: a
//     *DeliveryError carrying the whole Report, logged once (ERROR
//     "delivery failed", with its duration). Through an outbox every body
//     is first stored: a failure leaves them there, and the DeliveryError
//     says where and how many (Outbox, Stored, Dead); they are resent later
//     byte for byte. The CLI exits 1 with one line naming the outbox.
//
// The executor's Closer, if any, is called once the run is over, and
// never while its Execute runs: a panic of Close is recovered and
// returned, a *hook.PanicError (the CLI exits 3). An executor
// abandoned after its deadline is closed only when its Execute returns,
// if ever, after Run returned: its Close's error (WARN "close executor")
// or panic (ERROR "executor Close panicked") is logged then.
//
// Runtime.Validate is step 1 and the checks of step 2 alone, on an
// executor of its own from the registry, closed before it returns; it
// executes nothing. The CLI's run calls it first, so that a refusal exits
// 2 before anything is opened, sent or stored (no outbox, no platform
// asked), then Run: the injector's factory is called twice per inject,
// and each executor built gets the checks of step 1 (ReadsTargetsOnly,
// ValidateTargets, NewParams, the params' Validate, ValidateParams,
// Configure, SendsToTargets) and Close; only the second one is executed.
// Configure cannot be left out of the first pass: it is the check of the
// settings (a refusal is exit 2 with nothing stored), and SendsToTargets,
// which the size checks read (Prepared.Indirect), is asked after it. An
// executor must therefore take these calls on any fresh value its factory
// returns, hold nothing Close does not release, and not count its
// Configure calls as injects. serve, and run given a platform message,
// call Run alone, once per inject.
//
// The
// runtime logs four lines, INFO (the first three at the level
// WithStepLevel gives; below INFO, the last one carries what "executed"
// says), each with the inject id, the injector, the
// target count and the step's duration: "pre-execution signatures
// compiled" (step 3, with the category), "executed" (step 4, with the
// status, results_reported (how many results the executor reported as
// it went, through Inject.Partial: partial only on a timeout),
// not_reached (the targets it did not reach) when there
// are any and, when the injector reported an
// error, its exit_code, the tool's as in error_info, and error, its message
// redacted of what WithLogRedaction gives and then cut at
// MaxLoggedMessage bytes by LoggedMessage, which says how much was cut), "payload built" (steps 5 and 6, with the status; its duration
// includes any wait for a direct sender's route lookups, made while the
// executor ran) and "delivered" (step 7, with the status; a
// Deliverer that only prints names its line itself). Steps 1 and 2 log
// only their failures. Each failure is logged once; the libraries under
// it return their errors without logging them. A caller that logs the
// failures Run returns itself (a daemon settling the message) sets the
// request's CallerLogs: the runtime then logs none of them.
// It registers no global metrics or loggers.
package runtime
