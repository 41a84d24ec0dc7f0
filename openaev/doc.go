// Package openaev owns injectkit's side of the OpenAEV platform: the
// registration of the injector and its contracts, the translation of a
// platform message into a runtime.Request (Processor), and the "openaev"
// wire profile (Profile), a runtime.Deliverer that reports an inject
// through the platform's own execution callbacks (and says, in their form,
// what of a report a failed delivery did not deliver: Undelivered, for a
// run that keeps it nowhere to print). The lifecycle is
// runtime.Runtime.Run's, the same for every profile: the Processor only
// translates and calls it.
//
// # Registration
//
// Client.Register POSTs multipart/form-data to {url}/api/injectors (or
// /api/tenants/{tenant}/injectors): an "input" part (application/json)
// with injector_id, injector_name, injector_type and injector_contracts,
// and, on request, an "icon" part (image/png; NewClient refuses an icon
// that is not a PNG of at most MaxIconSize, which the platform would store
// as a broken icon). There is one contract per
// injector, generated from its framework.Manifest (Client.Contracts):
//
//   - contract_id is ContractID(name), a UUID v5 of the manifest's name in
//     the fixed namespace ContractNamespace, never of the injector id: two
//     deployments, or one re-created under another injector id, register
//     the same contract ids, so an inject keeps its contract (two
//     binaries, two injector_types, serving one name would share it too:
//     the Registrar refuses that at start, and says it at WARN after, see
//     contractLinks and clashSaid.check in clash.go);
//   - form fields: the target fields of its category (for network
//     injectors: selector, assets, asset groups, property, manual
//     targets), the manifest's expectations, each carrying
//     expectation_expected_security_platform_types from
//     Manifest.SecurityPlatforms ([] when none), and one field per param,
//     each of the shape of the platform's field class, which its form
//     reads: text (ContractText) and number (ContractNumber) without
//     cardinality and with a string or JSON number default, checkbox a
//     boolean, select (enums) cardinality "1" and a one-value list (the
//     form pre-fills a field of cardinality "1" with defaultValue[0], a
//     string's first character);
//   - outputs: the manifest's, plus, on the Current line,
//     {"type":"expectation_signature","field":"expectation_signatures"};
//   - contract_platforms from Manifest.Platforms, and contract_domains
//     (also "domains" inside contract_content) from Manifest.Domains as
//     {"domain_name","domain_color"}.
//
// The platform parses these into closed enums and refuses the whole
// registration, or silently drops every later callback of the contract,
// for one unknown value. ValidateManifest therefore refuses, as a
// *ValidationError naming the manifest and the value, before anything is
// sent: a platform outside PlatformTypes (Linux, Windows, MacOS,
// Container, Service, Generic, Internal, Unknown; Android and iOS on the
// Current line), an expectation type outside DETECTION, PREVENTION and
// VULNERABILITY or declared twice (framework.ValidateManifest: the
// platform stores either, then its inject form loses or repeats the
// contract's expectations), a param without a name or declared twice
// (two form fields of one key), an output without a field, or of a field
// declared twice (each type reads it, and one that refuses the value
// drops the result) or named expectation_signatures (the profile's: the
// value would be replaced, or dropped on 2.4), an output type outside OutputTypes of the Current
// line, a security platform type outside SecurityPlatformTypes, a domain
// without a name or a colour, an int param whose default is no integer.
//
// The reply names the broker and the queue (Registration.Listen) to
// consume: use it as it is. The daemon calls Register again as its
// heartbeat.
//
// # Platform versions
//
// Client.Version reads the platform's version once, before the first
// registration or terminal callback: GET {url}/api/settings/version (the
// body is the version, plain or a JSON string), falling back to GET
// {url}/api/settings ({"platform_version": …}); neither is tenant-scoped.
// WithPlatformVersion gives it instead (--openaev-version); a dry run
// assumes the Current line. ParseVersion classifies a version: the
// platform released 2.4.0 (2026-05-19), then calendar versions
// 2.YYMMDD.N from June 2026 and 3.YYMMDD.N from late July 2026; 2.260624
// (signature processing) and later, and every 3.x or newer, are the
// Current line; anything older, 2.4.x included, is not. A version the
// platform refuses to give is taken as the 2.4 line, with a WARN line; a
// platform that could not be reached at all gives Current for that call
// only, and is asked again at the next call.
//
// A Current-line platform stores expectation signatures only when its
// operator enabled the preview feature SignatureFeature
// (openaev.enabled-dev-features; off by default), and otherwise ignores
// them, processing the rest of the callback. On the Current line, read or
// given (not in a dry run), Client.Version therefore also reads
// enabled_dev_features once, each read not retried: from the version
// read's reply when it came from GET {url}/api/settings, else from GET
// {url}/api/settings/public, which needs no token, else from GET
// {url}/api/settings; and logs
// SignaturesDroppedWarning once per client (a run; a serve process) when
// they hold neither SIGNATURE_OUTPUT_PROCESSOR nor FEATURE_FLAG_ALL, or
// SignaturesUnknownWarning when no route gave them. The signatures are
// sent all the same.
//
// On a platform older than the Current line, which knows neither
// signatures nor the output types file, expectation_signature and
// action_output (CurrentOnlyOutputTypes), the profile sends no
// signatures and declares no expectation_signature output, declares and
// sends no action_output (a tool's raw output, such as nmap's XML: 2.4.x
// would store it whole as a text finding, and one over the findings
// index's row limit rolls the callback back), declares file outputs as
// text (ContractOutputType), and sends their findings as strings (see
// StructuredOutput), so that none is lost. One WARN line says so, once per
// client. On every version a text finding longer than FindingValueRoom
// (the findings index's row limit, MaxFindingRow, less what the inject id,
// type and field take of the row) is truncated, with a note of its full
// length, and a U+0000 in any string of a callback (its message, a
// finding, a signature value) is sent as U+FFFD (see docs/wire-format.md for its two forms): the platform's
// database refuses U+0000, and the callback would be lost after its 200.
// A finding value that does not fit its output's type as the platform
// checks it (an ipv4 output's host name, credentials without a password
// or a hash) is left out, the other items of a multiple output kept, with
// a WARN naming the output, the item and the value and a note in the
// message: the platform would drop the whole callback, signatures
// included (see fit.go). On the Current line, whose processors were not
// read, the profile also leaves out, by its own choice, a value a
// stricter processor could refuse though 2.4.0's take it (a port
// "22/tcp", a number "n/a"), its WARN saying it was left out as a
// precaution; to 2.4.0 such a value is sent. A finding the platform would
// store blank ("", spaces, "\"\"", an object as a text; Finding.value is
// @NotBlank, and the failed insert loses the whole batch) is left out
// alike, its WARN saying so (see blank.go).
//
// # From message to request
//
// ParseMessage reads a platform message leniently (the platform adds fields
// freely). Processor.Translate finds the injector by contract id
// (injector_contract_id, else convertedContent.contract_id; ContractID of
// each manifest's name), then the
// targets by inject_content.target_selector:
//
//   - assets: the message's assets; asset-groups: the assets of each
//     distinct group, paged from POST /api/endpoints/targets 1000 at a
//     time, sorted (search.go: an unsorted page is in no order), each
//     endpoint kept once, read again when fewer than the platform
//     counts, else failed with a *PagingError; a sort field the platform
//     refuses is left out with a WARN (paging.go)
//     (a group that gives no target, having no endpoints on the platform,
//     which is also how it answers a group it does not know, or none
//     usable, is logged at WARN and named in the trace, not among the
//     groups the run is on); manual: the
//     comma-separated targets, trimmed, validated and de-duplicated as
//     the CLI's are (runtime.TargetSpec.Key: any form of one address, a
//     host name in any case, is one target; the first is kept) (a value
//     that is not an IP address or an RFC 1123 host name, such as "-oN/x",
//     or that is an address naming no one host, unspecified, limited
//     broadcast or multicast, rejects the inject; a CIDR range expands
//     to its addresses as the CLI's --target does, counted against
//     MaxTargets, one holding such an address rejecting the inject);
//   - the property selector picks each asset's value: automatic (an
//     agentless asset's host name, else its seen IP when usable, else its
//     first usable IP, where usable excludes loopback, link-local,
//     unspecified, limited broadcast and multicast addresses), hostname,
//     seen_ip or local_ip. A host name is usable unless it is localhost
//     (or a subdomain of it), an unusable address, or, for an injector
//     that acts on its targets' addresses (a framework.DirectSender:
//     nmap, whose scan of such a name would reach the injector's own
//     host), a name the runtime's resolver maps only to unusable
//     addresses (resolved before the run, runtime.Runtime.LookupHosts,
//     the inject's one lookup of it: the run's route sources take what
//     it found, runtime.Request.Resolved; one that does not resolve is
//     left to the injector). The names of
//     any other injector's assets are not resolved (noop contacts no
//     target, query asks Shodan about it): no lookup is made. An asset with
//     no usable value is skipped and named in the trace with why, naming
//     the values it rejected (an asset with an agent whose host name is
//     not used in automatic mode and whose addresses are loopback says so):
//     "asset ID (why)", the skipped assets, as the groups that gave no
//     target, joined with "; " in the trace and the no-targets refusal.
//
// An external injector's contract asks for a query, optionally narrowed to
// targets chosen as above (IPv4 addresses or host names); the query is a
// JSON string, as the platform's text field sends it (a number, a boolean,
// a list or an object is refused in an inject file's words, "wrong JSON
// type: a number, want a string", never searched as its text), and an
// error of it names inject_content.query whatever the selector; a cloud
// injector's asks for the provider, the account id, comma-separated
// regions (one target each) and the service.
//
// Assets are read in both spellings, asset_* and the older endpoint_*. Each
// target keeps its asset id, first agent id and asset group id (the
// signatures go to every agent, see below), and results
// are attributed to targets by address or name, never by position. Contract
// fields matching the injector's params become typed Request.Params, read
// from the text of a string, of a number for an int param, of a boolean
// for a bool one, or of a select's list of one (none: the default); a
// value of a JSON type the param's form field never sends (an object, a
// list of several, a boolean to another param, a number to a text or
// select field) is refused in an inject file's words ("wrong JSON type,
// want a whole number", paramKind); a key
// that is one of the injector's settings (cloudscan's endpoint_url, query's
// shodan_api_key), not empty, refuses the inject (INVALID_USAGE, naming the
// key and where the host gives it, never its value): the host chooses
// those, not the inject; others are ignored. Expectation types come from
// inject_content.expectations, else from the manifest. A message that
// lists its expectations gets signature groups for the DETECTION and
// PREVENTION types it names only, none when it names neither (only
// MANUAL, an empty list), as the platform's own injectors build them
// from that list; the manifest's types apply only when the list is
// absent.
//
// # The openaev profile
//
// Profile is the runtime's deliverer; for each inject, in order:
//
//  1. once the runtime prepared the request (Profile.Received),
//     POST /api/injects/execution/reception/{id} {"tracking_total_count":1};
//  2. one INFO command_execution trace saying what runs on which targets
//     (each named in its canonical form, as the results name it, and
//     once: a name several targets share, two assets of one address,
//     says how many, "192.0.2.7 (2 targets)"; its loss is logged, not
//     fatal);
//  3. the runtime executes the inject and compiles its signatures;
//  4. exactly one terminal POST /api/injects/execution/callback/{id} with
//     execution_action "complete", a non-blank message with the detail,
//     execution_duration in milliseconds, execution_output_structured (a JSON
//     string holding the declared outputs from the injector's Findings
//     and, on the Current line, expectation_signatures) and
//     execution_status: SUCCESS for a success or a partial run (the
//     message says partial), ERROR for a failure, TIMEOUT for a timeout.
//     Every platform version accepts these.
//
// On the Current line, between steps 3 and 4, each target with an asset
// gets its own INFO command_execution trace whose
// execution_context_identifiers name the asset, as the platform's own
// injectors fill its per-target view: what ran on it, its own outcome
// (runtime.Report.TargetStatus, an ERROR trace when it failed; succeeded
// in a successful run; else no outcome is claimed: "no outcome of its own
// reported (the run partially succeeded)"), the findings the terminal callback carries attributed to it (one it leaves
// out is not counted) and its signature extras as text (scalars,
// lists of them joined with ", ", maps by sorted key, "key: values"
// joined with " | "; at most 20 items or keys, the rest counted, and the
// message cut at 1 KiB; targetTraces; 2.4.x gets none). Through an
// outbox they are sent once the terminal callback is stored, all its
// bodies (Bodies: they are its Before hook), so that a process killed
// while it sends them leaves the terminal callback for a flush. The terminal
// message stays one sentence; findings the manifest does not declare as
// outputs, which the structured output leaves out, are summarised in it.
//
// No body is larger than the max payload size (WithMaxPayloadSize, default
// DefaultMaxPayloadSize, 5 MiB as pyoaev's; ValidateMaxPayloadSize checks
// the setting, 1 KiB to 64 MiB; above MaxQueuedBodySize a WARN says the
// platform's broker drops larger callbacks unless its max_message_size,
// 16 MiB by default, was raised), and no body's structured output longer
// than MaxStructuredOutputLen (20,000,000), whatever that setting: the
// platform answers 400 to a longer JSON string. When the signatures do not
// fit in the "complete" callback, it carries the first batch and "data" callbacks
// (status SUCCESS) the others, the platform replacing the inject's
// signatures with the first batch and appending the later ones; they go
// through an outbox like the complete. A target whose signatures fit in no
// body is left out, named in the message and in a WARN. Findings travel in
// the complete only: while they do not all fit in it, the largest is left
// out, named in the message and in a WARN ("finding not sent") with its
// size, the max payload size and the least one that sends it (the first
// WARN's sends every finding; a later one's sends that finding, the larger
// ones still left out), or that none can.
//
// Signatures use the platform's type names (source_ipv4_address,
// target_hostname_address, start_date, end_date…; see
// PlatformSignatureType) and only the names of the collectors' closed enum
// (SignatureTypes, pyoaev's SignatureTypes): a collector that meets any
// other type fails its fetch of every pending expectation. execution_status
// is never sent, and an extra only when its name is a member (such as
// parent_process_name); the others are not signatures: a target with an
// asset has them in its per-target trace (below; none on 2.4.x, none for
// a target without an asset), and one DEBUG line per inject names them.
// A network target of a framework.DirectSender (nmap) carries the source
// address of the family its traffic used alone, never the host-wide one
// of the other (an IPv6 address source_ipv6_address, an IPv4 address or a
// host name, scanned over IPv4, source_ipv4_address: Processor sets
// runtime.Request.TrafficSources): QRadar's collector ORs every source
// address of a signature into its query. A target of a run whose traffic
// did not go to its targets (runtime.Report.Indirect: noop, query, any
// executor that is no framework.DirectSender) carries no target address
// (target_ipv4_address, target_ipv6_address, target_hostname_address;
// platformSignaturesOf): the collectors match those on the destination of
// network events and the host of an alert, which that traffic never touched.
// Values are scalar strings only (a list or object value of a member is
// left out of the signatures; the per-target trace shows it); only DETECTION and PREVENTION groups are
// kept, and only for targets that name an agent, an asset or an asset
// group (manual targets have none, as in the platform's own injectors).
// A target on an asset with several agents is sent once per agent, each
// naming that agent, its asset and asset group: the platform attaches a
// signature naming an agent to that agent's expectations only. Each of
// its agents is validated as a target's agent is (a bad one refuses the
// inject: targets[N].agents[M]).
//
// A message that cannot run (malformed, no targets, bad params, unknown
// contract) still gets its reception and a terminal INVALID_USAGE (ERROR
// when the platform refused for good a request it needed: asset-group
// paging answered 403 or 404) when it names an inject id
// (Profile.Rejected, through runtime.Runtime.Reject or Run); Process then
// returns a *MessageError so that the daemon rejects it without
// requeueing. Asset-group paging the platform fails after every attempt
// (a 5xx, a 429, unreachable) is no fault of the message: nothing is sent
// (the inject is not marked ERROR for a failure the next try may not
// meet), and Process returns a *TargetsUnavailableError, which the
// Handler leaves to the daemon to handle again, as a redelivery, like
// any other platform failure.
//
// # Durability
//
// Profile is also an outbox.Profile: wrapped in transport/outbox.Deliverer
// (by `injectkit run --profile openaev`, `--openaev-message` and `serve`
// alike), each terminal callback is stored, fsync'd, before its first
// attempt, with the profile "openaev" (ProfileName), the platform URL and
// its path; a callback the platform did not accept stays there, the
// delivery error is a *runtime.StoredError (the daemon acknowledges the
// message: the result is durable), and a Resender, or `injectkit outbox
// flush`, posts the same bytes later, less the findings the platform
// already stores (see Serving; Profile.Owns, Untenanted).
//
// # Serving
//
// Registrar and Handler adapt the profile to serve.Daemon; SelectInjectors
// picks the injectors served (every registered one but noop by default).
// The Handler runs each inject at most once: a message is redelivered
// when the broker flags it or this process knows its inject (a handling
// in flight or whose acknowledgement was lost, an outbox start of a
// process that ended mid-run, a "complete" within the window: see
// Handler), the flag not being relied on; a redelivered message whose
// inject the platform reports finished (Client.InjectFinished) is
// acknowledged without running, since a new reception would reopen it, and
// one whose inject this process is still running waits for that run. A
// run that may have a twin (Redelivered; AckLost, its channel closed) and
// every resend (ResendPoster) ask the platform again before each attempt
// of the "complete", every run asks before retrying it (the platform may
// have taken the attempt whose answer was lost), and none sends anything
// once the inject is finished: only twins completing within one round
// trip of each other both complete. The inject's COMPLETE traces say
// whose "complete" finished it: one carrying the body's run mark is this
// run's, taken, delivered; otherwise the body's signatures go as "data"
// (see completeVerdict). A final status with no injector's COMPLETE trace
// is no run's (InjectState.Unreported: 2.4.0's pending sweep finalizes an
// inject still PENDING 10 minutes after its dispatch, and saves a
// "complete" sent afterwards, after its requeues): the "complete" is sent
// all the same, but for one whose attempt got no answer within the
// ingestion window and the platform's requeue span after it (tooEarly),
// and a redelivered message of such an inject runs, unless a "complete"
// of it was sent (delivered or not) within that span (RecentComplete). A platform that queues its callbacks (2.4.0's
// default) shows nothing of a "complete" for a while after its 200: a
// state read within the ingestion window (WithIngestWindow) after a
// "complete" delivered, or attempted without an answer, proves nothing
// about it. A lost one is not sent again within it (its attempts not
// made, then kept pending), and a message of an inject whose "complete"
// was sent within it is acknowledged without running (Processor.RecentComplete;
// noted in the outbox too, WithCompleteStore; see ingestwindow.go).
// The platform stores each finding of
// an inject once, and drops a "complete" repeating one it holds
// (openaevtest's rule 14): those same attempts, and the "complete" of an
// inject run again (Processor.Reopened), first read the inject's stored
// findings (Client.StoredFindings) and leave them out. When they cannot
// be read for a while, the "complete" is kept pending; when the platform
// refuses the search for good, it is sent without its findings (see
// Profile.unstoredOnly).
// A platform older than 2.0.0 answers 404 when the token lacks the rights
// on an inject, 2.0.0 and later 403 (PlatformVersion.DeniedNotFound): a
// 401, a 403, or, before 2.0.0, a 404 on the reception of a dispatched
// inject (Dispatched) or on the terminal callback of a received one is an
// *AuthorizationError, which an outbox keeps pending (not dead) and the
// daemon counts as the token's failure (serve.UnauthorizedError), never a
// reason to run the inject again. From 2.0.0 on such a 404 is the inject
// deleted: the reception is a *MessageError (the message rejected, nothing
// run) and a terminal callback is refused for good (dead in an outbox).
// That 404 on a callback holds for a token that is not an admin's only: an
// admin token (or one holding BYPASS) passes the platform's permission
// check without a look-up, and a callback for a deleted inject is
// answered 200 and lost (the platform only logs ElementNotFoundException).
// Nothing in the answer tells, so such a callback counts as delivered; the
// reception, which looks the inject up for every token, still answers
// 404, so only an inject deleted while it runs is concerned.
// ParseMessage decodes a message in place,
// in about twice its size.
//
// # Errors and retries
//
// Every request is retried on a network error, a 5xx (but 501 and 505), a 408 or a 429, with
// waits doubling from 1 s (WithRetry); a terminal callback is also retried
// on a 409, the platform's "not PENDING yet", its reception sent again
// once when the platform shows the inject EXECUTING (OpenAEV 2.4.0's
// dispatch race: dispatchrace.go). Other statuses are not retried. A failure is an *APIError: a 4xx other than 407, 408, 409 and 429,
// or a 501 or 505 (httpx.Unsupported), matches ErrPermanent (refused for good: a message rejected, a body
// dead); anything else (a 3xx, a 409 on a reception or trace, a refused
// certificate, retries run out) matches ErrRetriesExhausted, handled
// again later.
// Retries are logged at WARN; the final failure of an inject's callbacks is
// returned, not logged (the runtime logs it once). CountAttempts counts
// the attempts of those callbacks for metrics. The token and the broker
// password never appear in a log line or an error.
package openaev
