// Package framework owns the life of an inject: the Executor contract an
// injector implements, the optional capabilities the runtime detects, the
// registry of injectors, and the Runtime that takes one inject request from
// intake to delivery.
//
// # Writing an injector
//
// An injector implements one method:
//
//	Execute(ctx context.Context, cfg *Inject) ToolOutput
//
// and may implement, found by type assertion: Manifester (name, category,
// params, documentation), ParamsFactory (its own typed params struct),
// ParamsValidator, TargetsValidator, Configurer (settings from config file
// or environment) and Closer. Injectors return what happened; they do not log failures
// themselves beyond progress, and never exit the process.
//
// # Lifecycle and failures
//
// Runtime.Run takes a Request through these steps, in order:
//
//  1. Validate the request: injector known, at least one target, known
//     expectation types. Failure: *RequestError, nothing runs, nothing is
//     sent (the CLI exits 2).
//  2. Typed configs: each target becomes a signatures.Config; all must share
//     one category, and it must be the injector's; a TargetsValidator
//     checks them (a supported cloud provider, say). Params are decoded
//     strictly into the injector's struct and validated; settings are
//     handed to Configure. Failure: *RequestError, as above.
//  3. CompilePre: pre-execution signatures stamped with the start time and,
//     for network targets, the source IP. Failure: *RequestError.
//  4. Execute under the deadline (request timeout, default 10 m). When the
//     deadline passes or the caller cancels, the context is cancelled; if
//     Execute has not returned Grace (5 s) later the runtime stops waiting.
//     Either way the outcome is "timeout" with every result reported through
//     Inject.Partial. A panic is recovered: the outcome is "failed" (exit
//     code 1, the panic message in ErrorInfo, the stack logged at DEBUG).
//     The tool's own failures are outcomes, not errors: they are delivered.
//  5. CompilePost: end time, execution status, partial results and extra
//     signatures merged. Malformed output (unknown status, colliding extra)
//     becomes a "failed" outcome rather than a lost inject.
//  6. BuildPayload: one entry per target, one value group per expectation
//     type, per-type and per-target extras added.
//  7. Deliver, with a context that outlives the caller's cancellation, so a
//     SIGINT still delivers the timeout signatures. Failure: *DeliveryError
//     carrying the whole Report, so the caller can keep the signatures.
//     With an OutboxDeliverer every body is first stored in a durable outbox
//     (transport/outbox): a failure leaves them there, the DeliveryError
//     says where and how many (Outbox, Stored, Dead), and they are resent
//     later byte for byte; the CLI exits 1 with one line naming the outbox.
//     Without an outbox the CLI exits 1 and prints the signatures to stderr.
//
// The runtime logs one INFO line per step with the inject id, the injector,
// the target count, the status and the step's duration. It registers no
// global metrics or loggers.
package framework
