// Package openaevtest is an OpenAEV platform stand-in for tests: an
// httptest server speaking the injector side of the platform's API
// (registration, settings, inject reception and status, execution
// callbacks, asset-group paging), as strict as the real platform, and
// recording every call with what the platform made of it.
//
// A test asserts on what the platform would do with a callback (Call.Outcome
// Processed or Dropped, Platform.Signatures, Platform.ExpectationSignatures,
// Platform.Findings, Platform.CollectorBreaking, Platform.InjectStatus, Platform.Verdicts),
// never on a 2xx alone: by default the platform answers 200 and drops a bad callback later.
// FormContent is what 2.4.0's inject form sends, ContentChecks the fields it finds unset
// before it runs an inject (2.4.0 read; each says where).
//
// # The rules, and the platform behaviour each models
//
// Sources: OpenAEV 2.4.0 (2026-05-19), the 2026 line up to 3.260821.0, and pyoaev 3.260821.0.
//
//  1. Versions. A stand-in models Version24 (OpenAEV 2.4.0) or Current (the
//     2026-08 line); WithVersionString reports any string and behaves as
//     Classify says: 2.260624 and later and every 3.x are Current
//     (signature processing merged on 2026-06-24), anything older is
//     Version24. GET /api/settings/version answers the version string,
//     unquoted, typed as Spring negotiates the Accept header (the
//     profile's: application/json; none: text/plain;charset=ISO-8859-1;
//     accept.go), GET /api/settings {"platform_version": …} as JSON, either
//     a 406 when it cannot (PlatformSettingsApi), with "enabled_dev_features"
//     (rule 11), to any token the platform knows (READ on PLATFORM_SETTING,
//     an open resource: PermissionService.RESOURCES_OPEN; never a 403).
//     GET /api/settings/public (PublicPlatformSettings: no
//     platform_version, "enabled_dev_features") needs no right and no token (skipRBAC, permitAll).
//  2. Registration (POST /api/injectors, multipart, JSON part "input", optional
//     part "icon", stored only when a file part, with a filename, typed image/png (icon.go)) binds
//     the input (contracts.go): injector_id, injector_name and injector_type
//     are Strings (a number kept as written: injector_id 1.50 names the queue
//     openaev_injector_1.50) and must not be blank (@NotBlank, Java's trim:
//     U+0001 is blank, U+00A0 is not), and a value Jackson cannot bind is a
//     400: contract_platforms must be Endpoint.PLATFORM_TYPE members (Linux,
//     Windows, MacOS, Container, Service, Generic, Internal, Unknown; Current
//     adds Android, iOS) by name, trimmed, or on 2.4.0 by index (1 or "1":
//     Windows; bindEnum), contract_attack_patterns_external_ids a list of
//     scalars, the other properties as inputbind.go says. The contracts themselves are not validated (no @Valid):
//     injector_contracts left out or null, injector_custom_contracts or injector_payloads null (unboxed),
//     a null contract, contract_attack_patterns_external_ids null, or a null contract_domains
//     entry of an injector without payloads, is a NullPointerException, a 500; a
//     blank contract_id or contract_content, or the blank name or color of a
//     domain not stored yet (the preset domains and those registered before
//     are; domains.go), fails the entities' @NotBlank as they are saved:
//     a 500. contract_content is stored as the string it is, read when a
//     callback is processed: one that is no JSON object, or whose fields hold
//     one that is not, loses every callback of its injects (lost.go); one
//     without outputs, or an output Jackson cannot bind from the content's tree
//     (treebind.go: field a String, a number its node's text, 1E2 "100.0";
//     labels null or a list of scalars; isMultiple and isFindingCompatible
//     booleans, "TRUE" and 2 true, "" and "null" false, "1" and 1.0
//     refused), drops every result with structured outputs of its injects; so does an output type the
//     version lacks (ContractOutputType, 2.4.0: text, number, port, portscan, ipv4, ipv6, credentials,
//     cve, username, share, admin_username, group, computer, password_policy, delegation, sid,
//     vulnerability, account_with_password_not_required, asreproastable_account,
//     kerberoastable_account, asset; Current adds file,
//     expectation_signature, action_output). The declared outputs drive the
//     processing of callbacks; their expectation types are not checked (13).
//     A token whose user lacks CREATE on INJECTOR (DenyRegistration) is
//     refused a registration whose input binds and validates: 403, Spring
//     Boot's error JSON (@AccessControl on InjectorApi.java:161, its aspect
//     at aop/AccessControlAspect.java:120-129), nothing declared or stored.
//     A registration of an injector_id the platform holds already updates
//     it: each contract it leaves out is deleted, and every inject made with
//     it (InjectorService.java:204-206, updateExistingExternalInjector
//     :249-318, toDeletes :269-306, deleteAllById :314; migration V4_88's ON DELETE CASCADE from
//     injects, V4_90's from the injector's join table): GET of such an
//     inject is a 404, and Call.DeletedContracts and DeletedInjects name
//     them (injectorcontracts.go). A contract id two injectors register
//     is linked to both, its content the last's, its injects the first's but those naming another; one
//     naming none, looked up by type, runs on none once two injectors have it (sharedcontract.go,
//     injectinjector.go); an import's contract (ImportContract), its type's placeholder's until a new
//     injector id of the type registers (placeholder.go). Parts without a filename (the input) count
//     against Tomcat's maxPostSize, Spring Boot's 2 MB (MaxFormPostSize): a registration over it is a
//     413, Spring Boot's error JSON, before anything binds. The queue it declares: register.go. An
//     injector_id, injector_name or injector_type of more than 255 characters (varchar(255)) fails
//     as it is saved: a 500 for a new injector, a 409 for an update, nothing stored (columns.go). What
//     it stores of a contract (Contract: only attack patterns it holds, AddAttackPatterns, an unknown
//     id dropped silently; an update's domains merged, never taken away): stored.go.
//  3. Callbacks are queued (the platform's default inject-trace queue; ingest.go says where each
//     part was read). A body that passes field validation is answered 200; with WithIngestEvery
//     (the openaev-standin command's default, 10 s as 2.4.0's) or WithHeldIngestion it is held, its
//     Call Queued, and changes nothing GET /api/injects/{id} or the findings search answers until
//     the batch worker (Ingest) processes it; by default it is processed before the answer, as by a
//     worker already run (the legacy path's timing, rule 7's answers aside). Held callbacks are
//     batched per worker group (WorkerGroup: Java's injectId.hashCode() % 8, the sign kept, so 15
//     groups; openaev-model …/service/queue/BatchQueueService.java :165-169, 435-438, worker-number
//     8 at application.properties:99), each group one batch and one transaction of its own, all it
//     holds (processBufferedBatch(workerId) :329-395, drainTo :338), run every worker-frequency and
//     at once when it holds more than MaxBatch (:180-183): a batch that fails loses nothing of
//     another group's callbacks. Each Call then records Processed, or Dropped with the Reason (the
//     batch worker rejects it without requeue; the Reason says what of it the platform kept: rule
//     14). Field validation answers 400 at once: execution_message and execution_status must not be
//     blank (@NotBlank, InjectExecutionInput.java:13,24: Hibernate's trim() strips every char up to
//     U+0020, control chars and U+0000 included, not U+00A0; RestBehavior's ValidationErrorBag
//     names each blank field: {"code":400,"message":"Validation Failed","errors":{"children":{…}}},
//     rest/helper/RestBehavior.java:57-75); execution_action, when given and not null, must bind to
//     an InjectExecutionAction (prerequisite_check, prerequisite_execution, cleanup_execution,
//     command_execution, dns_resolution, file_execution, file_drop, complete; Current adds data) as
//     Jackson 2.19 binds it (bindAction: " complete" trimmed; 3 and "3" the constant at that index
//     on 2.4.0); a String field takes a scalar as its text (123 → "123", true → "true"), not an
//     object or a list (bindField). Current's execution_context_identifiers is a List<String>
//     (InjectExecutionInput.java:41-42 on the platform's main, b8ce023): null, or a list of nulls
//     and such scalars; a string or any other value is a 400 (no ACCEPT_SINGLE_VALUE_AS_ARRAY);
//     over MaxContextIdentifiers entries, nulls counted, fails its @Size (:42 at beac022), a 400
//     whose bag names it next to any blank field. Before those, a JSON body holding a string value
//     longer than MaxStringLen (20,000,000) characters, decoded, is a 400 on every version (rule 16).
//  4. Processing drops a callback for: an execution_action left out or null,
//     which nothing requires (InjectExecutionInput.java:32-33) and the batch reads first, a
//     NullPointerException (BatchingInjectStatusService.java:115-118, logged at :154-160; the legacy
//     ingestion's answer is a 500); an execution_status the version does not
//     know (2.4.0 parses with valueOf, case-sensitive: SUCCESS,
//     SUCCESS_WITH_CLEANUP_FAIL, WARNING, ACCESS_DENIED, ERROR,
//     COMMAND_NOT_FOUND, COMMAND_CANNOT_BE_EXECUTED, PREREQUISITE_FAILED,
//     INVALID_USAGE, TIMEOUT, INTERRUPTED, ASSET_AGENTLESS, AGENT_INACTIVE,
//     INFO, PARTIAL, MAYBE_PREVENTED, MAYBE_PARTIAL_PREVENTED; Current's fromName trims (Java's
//     trim: no U+00A0) and upper-cases (ß: SS), adds EXECUTED, EXECUTED_WITH_CLEANUP_FAILURE and
//     AGENT_OVERLOADED, reads SUCCESS as EXECUTED and SUCCESS_WITH_CLEANUP_FAIL(URE),
//     EXECUTED_WITH_CLEANUP_FAIL as the second; 1.x's (1.18.19, WithVersionString) lacks TIMEOUT,
//     INVALID_USAGE and the other 2.x additions, a 500 in legacy ingestion); a declared output
//     whose value fails its processor's validation (FindingService throws; see ValidateOutput),
//     which loses the findings of its whole batch too (rule 14). Known, from 2.4.0's processors
//     (read): ipv4 and ipv6 addresses of that family, as commons-validator 1.10.0 reads them (a
//     prefix length taken, a zone with whitespace refused: see internal/inetaddr); credentials with a username
//     and a password or a hash; cve objects with id, host and severity and
//     portscan rows with host, port and service, present and not null, whatever
//     their type (a cve host []); the Active Directory types' objects with
//     their required fields, such as username's username; port and number
//     anything (their processors check only presence); an asset node that is
//     not a list or has no name skipped with a WARN, never a drop. Assumed, on
//     Current, whose processors were not read: those rules and stricter ones,
//     which no platform code read applies (port integers; numbers; cve id, host
//     and severity strings; portscan host and service strings, an integer port
//     and asset_id a string when present; assets with a name), so that what
//     passes the stand-in there passes a stricter platform too. FindingService
//     validates a list item by item only when the output is declared
//     isMultiple, else the whole value as one: a list of cves, portscan rows or
//     addresses under isMultiple false is dropped. A JSON null is one value: a
//     finding "null" for text, number and port (their processors check
//     nothing), dropped for the other finding types (hasNonNull, or an address
//     check, fails on it). A declared output type the version does not know
//     (InjectorContractContentUtils throws on every processed callback); a
//     finding whose index row is over MaxFindingRow (2704) bytes, or whose
//     output's field is over MaxFindingField (255) characters, on both
//     lines: the insert throws at the commit and the batch's REQUIRES_NEW
//     transaction rolls back, the callback's trace and status kept (rule
//     14; MaxFindingRow says how the row is measured, and why the
//     stand-in is stricter). The platform sends every declared output to
//     its processor, whatever its isFindingCompatible, and every processor
//     but asset's (and, on Current, expectation_signature's and action_output's) stores findings:
//     a text output whole (a list as its items joined with spaces), or item by
//     item when isMultiple. The structured output is its first JSON value, what
//     follows ignored (readValue, no FAIL_ON_TRAILING_TOKENS); not an object,
//     or not JSON: skipped, not dropped (the platform only warns); JSON null:
//     skipped before the outputs are read. Every callback of an inject
//     without a contract (AddInject's "") is lost (lost.go; the legacy
//     ingestion a 500); a structured output for an inject whose contract no
//     registration declared is dropped (register the injector, as serve does).
//  5. Structured output is processed only from a "complete" with status
//     SUCCESS on Version24 (ExecutionProcessingContext), and from "complete"
//     and "data" callbacks on Current. Signatures exist on Current only,
//     stored when rule 11 allows (SignatureOutputProcessor): DETECTION and PREVENTION groups, scalar
//     values with text (StringUtils.hasText: "", spaces, a tab dropped), targets naming an agent, asset or
//     asset group (agent_id or agent, asset_id or asset, asset_group_id or asset_group): parseSignatures.
//     At publish the platform signs each agent's expectations itself (parent_process_name, source
//     IPs), and an asset's own where it has no active agent and the contract needs no executor; an injector's signatures replace an expectation's the first time it receives some,
//     then append; an empty envelope touches nothing (ownsignatures.go's file comment has the
//     detail). Each target's signatures go to the expectations its most precise id names
//     (appendExpectationSignatures → findTechnicalExpectationsForTarget): an agent → that
//     agent's only, whatever asset or group it also names; else an asset → the asset's own
//     (agent IS NULL), never its agents'; else an asset group → the group's own. None there,
//     none stored (Call.SignaturesUnattached; targetexpectations.go): on Current, an agent the
//     message marks agent_active false, or one its status holds an ERROR, AGENT_INACTIVE or
//     AGENT_OVERLOADED trace of, has none (AgentUtils.getActiveAgents); an asset without such an
//     agent none when the contract needs an executor (SetContractNeedsExecutor); a group none
//     unless one of its assets has one (AbstractTechnicalBehavior).
//     ExpectationSignatures answers per expectation, each type and value once (the rows' key is
//     expectation, type, value; applySignaturesForExpectationWithLock replaces an initialized
//     expectation's with the de-duplicated union, mergeExpectationSignatures): a repeat, from a later
//     callback, another target reaching the same expectations or the same group, is not stored
//     again, and Call.SignaturesRepeated lists it (ownsignatures.go: earlier releases stored it or
//     failed on it). A null or a node of another shape in the envelope reads as no signatures,
//     never a refusal (parseSignatures). A "data" callback is processed whatever the inject's state,
//     on a finished inject too: the platform (InjectExecutionService)
//     checks the PENDING state for a "complete" only, so its signatures
//     append and the inject stays finished.
//  6. Every stored signature type is checked against pyoaev's closed
//     SignatureTypes enum: the collectors (Elastic, LogRhythm, NetWitness,
//     Cortex XDR, Defender O365) parse every pending expectation through
//     it, and one unknown type fails their whole fetch. CollectorBreaking lists such types.
//  7. Legacy mode (WithLegacyIngestion; the synchronous path behind the
//     LEGACY_INGESTION_EXECUTION_TRACE flag): a "complete" on an inject that
//     is not PENDING is a 409, and a callback whose processing fails is a
//     400 (IllegalArgumentException → 400 in RestBehavior). In queued mode such a "complete" is
//     requeued five times, then saved anyway (BatchingInjectStatusService.java:115-147; processed
//     at once, the requeues collapsed, when the stand-in does not hold callbacks).
//  8. Injects have state. AddInject creates one (QUEUING), as the platform does
//     before dispatching it; reception and GET of any other id answer 404
//     (ElementNotFoundException: {"message":"Element not found: Inject not
//     found with id: X"}, PermissionService's lookup, or "Element not
//     found: null" from the handler's own for an admin token;
//     RestBehavior.java:229-233), and so do callbacks but an admin token's
//     (WithAdminToken; BYPASS alike), which PermissionService lets through
//     unlooked-up: 200, then Dropped, the platform only logging the
//     ElementNotFoundException (lostCallback). Reception sets the inject to
//     PENDING unconditionally, even when it had finished (InjectApi): each such
//     reopening is counted (Reopenings), and keeps the inject's traces. A
//     processed "complete" sets the final status from the statuses of all the
//     inject's "complete" callbacks, this one and every earlier one, as both
//     lines do (InjectStatusService.updateFinalInjectStatus →
//     InjectStatusUtils.computeStatus, over ExecutionTraceStatus's
//     ERROR_STATUSES and SUCCESS_STATUSES): AGENT_INACTIVE ones left out (none
//     left: ERROR); all errors (ERROR, COMMAND_NOT_FOUND,
//     COMMAND_CANNOT_BE_EXECUTED, PREREQUISITE_FAILED, INVALID_USAGE, TIMEOUT,
//     INTERRUPTED and the deprecated PARTIAL, MAYBE_PREVENTED,
//     MAYBE_PARTIAL_PREVENTED): ERROR; all successes (SUCCESS or EXECUTED,
//     their cleanup-failure variants, WARNING, ACCESS_DENIED): SUCCESS on
//     2.4.0, EXECUTED on Current; anything else, a mix or only statuses that
//     count as neither (INFO, ASSET_AGENTLESS, AGENT_OVERLOADED): PARTIAL. (The
//     1.x line, which Classify takes as Version24, counted otherwise: its
//     InjectStatusService.computeStatus is not modelled.) GET /api/injects/{id}
//     (and the reception) answers the platform's Inject entity (2.4.0 read:
//     openaev-api/…/rest/inject/InjectApi.java :132-139 returns it, as the
//     reception does at :363-377); the stand-in gives inject_id, inject_status
//     (status_name, and status_traces: one per processed callback,
//     execution_message as sent, execution_action COMPLETE for a "complete":
//     createExecutionTrace, convertExecutionAction; a @OneToMany fetched EAGER,
//     no @JsonIgnore; a "complete"'s trace is saved before the status it
//     finishes, but SetInjectStatus and failInjectStatus without a message
//     leave a finished inject none; the INFO trace 2.4.0 adds once it
//     published the message, Executor.executeExternal, only after Dispatch:
//     AddInject's inject is the one before dispatch; each trace's agent,
//     null but for rule 17's), inject_injector_contract and inject_type.
//     The contract is the whole InjectorContract, not an id
//     (openaev-model/…/database/model/ Inject.java:171-183, no
//     MonoIdSerializer): injector_contract_id (InjectorContract.java:53-57),
//     injector_contract_injectors (the registering injectors' ids, :335-342),
//     injector_contract_injector_names (id → name, :345-353) and
//     injector_contract_injector_type (the first injector's type, :355-359);
//     null for an inject added without a contract, and with no injectors (type
//     null) for a contract never registered. inject_type is that type
//     (Inject.java:514-524). Access denied (DenyInject) depends on the version.
//     From 2.0.0 on (2.4.0 and Current) it is 403 on the reception, the
//     callbacks and GET: the routes carry @RBAC (2.0.0 to 2.3.x; @AccessControl
//     in 2.4.0), whose aspect throws ResponseStatusException(FORBIDDEN), which
//     RestBehavior leaves alone; its "AccessDeniedException → 404" handler
//     covers Spring Security's exception only, which these routes no longer
//     throw. A 404 there is an inject that does not exist (PermissionService
//     looks it up for a token that is not an admin's, throwing the same; an
//     admin token is never denied). Before 2.0.0 (1.18.x, given with WithVersionString) the
//     reception and callback routes carry @Secured(ROLE_ADMIN), whose AccessDeniedException
//     RestBehavior answers 404, as for an inject that does not exist; GET checks none, and both
//     answer one that does not exist "Element not found: null" (1.18.19 InjectApi.java:79-82, 309-316).
//  9. Routes: the implants' POST /api/injects/execution/{agentId}/callback/{injectId}
//     (InjectApi.java:393-400) is a callback (Call.AgentID); the stand-in
//     holds no agents, so it is Dropped after the 200 with the ERROR
//     trace the platform adds for an unknown agent (agentNotFoundLocked).
//     Any other method on /api/injects/{a}/{b} is 405 (the only route of that shape is PUT
//     /api/injects/{exerciseId}/{injectId}), as is one but GET on /api/injects/{id} or another route's,
//     Allow naming the route's (otherMethods), unknown paths 404, both Spring Boot's error JSON. First of
//     all, the HTTP firewall (StrictHttpFirewall; firewall.go) answers a 400, Boot's error JSON. Then, before any
//     route, the security layer (security.go says how, from config/AppSecurityConfig.java:74-79,
//     143-148, 255-262 and security/TokenAuthenticationFilter.java:30, 57-88): a POST
//     without exactly "Bearer " or with a cookie is refused by CSRF (403,
//     Spring Boot's error JSON), whatever its token; an unauthenticated request a 401 with an
//     empty body, but the public settings; so is one with a token renewed since (RenewToken:
//     MeApi.renewToken, security.go). Paths but the settings' may carry a tenant
//     (/api/tenants/{tenant}/…): one the token's user is no member of (WithTenants) is a 403, TENANT_ACCESS_DENIED.
//  10. A search page (POST /api/endpoints/targets, an asset group's endpoints; the findings
//     search, rule 14) asks for 1 to 1000 rows from page 0 on, page and size bound as ints (rule
//     16), 0 and 20 when left out (Pagination.java:17-25), "sorts" on sortable fields only (no id
//     is: a 400); a Spring page answers. An unsorted page, and rows a sort leaves tied, come in a
//     new order each request (no ORDER BY), seeded per test; DropSort plays a newer platform's:
//     paging.go. The targets are the endpoints without agents or with a primary one (TargetOutput's
//     rows), a full page's totalElements counting each once per primary agent: targets.go. Their addresses
//     (endpoint_ips; asset_ips) as setIps leaves them, hostnames lower-cased by setHostname, messages too.
//  11. Preview features (both lines; 2.4.0 read: PreviewFeature.java :15-23 has no
//     SIGNATURE_OUTPUT_PROCESSOR, and drops it as unrecognised; features.go's lineFeatures). The
//     platform stores expectation signatures only when an operator enabled SIGNATURE_OUTPUT_PROCESSOR:
//     SignatureOutputProcessor.process returns at once ("Signature processing disabled", a DEBUG line)
//     unless PreviewFeatureService.isFeatureEnabled finds the feature, or FEATURE_FLAG_ALL, among the
//     settings' enabledDevFeatures. Those come from the configuration openaev.enabled-dev-features,
//     comma-separated and empty by default (PlatformSettingsService: values matched case aside against
//     PreviewFeature's, "*" for FEATURE_FLAG_ALL, unrecognised ones dropped), and GET /api/settings
//     lists them by enum name in enabled_dev_features, a public field (PublicPlatformSettings), [] by
//     default, which GET /api/settings/public lists too, to any token. With the feature off, an
//     expectation_signature output is ignored whatever it holds (not read, so not refused): the
//     callback is processed, its other outputs and status too, no signature is stored or replaced, and
//     the Call records SignaturesSkipped (Stats.SignaturesSkipped counts them). The stand-in's
//     default, unlike the platform's, is SIGNATURE_OUTPUT_PROCESSOR on: it models a platform
//     configured with openaev.enabled-dev-features=SIGNATURE_OUTPUT_PROCESSOR, which the tests of
//     stored signatures need. WithDevFeatures and SetDevFeatures set the features (none: the
//     platform's default); WithLegacyIngestion lists LEGACY_INGESTION_EXECUTION_TRACE among them.
//  12. No U+0000 in stored text (2.4.0 read; Current taken as alike). The
//     PostgreSQL JDBC driver refuses a string parameter holding U+0000
//     ("Zero bytes may not occur in string parameters") and PostgreSQL
//     refuses \u0000 in jsonb ("unsupported Unicode escape sequence").
//     2.4.0's InjectStatusService.updateInjectStatus saves every
//     callback's trace through ExecutionTraceRepositoryHelper.saveExecutionTrace
//     (plain JDBC: ps.setString of execution_message into
//     execution_traces.execution_message TEXT, the identifiers as a
//     text[]), which wraps the SQLException in a RuntimeException;
//     BatchingInjectStatusService catches it ("problem processing") and
//     the callback is gone, the inject left PENDING, and nothing of its
//     outputs stays: the trace, in the status's traces (CascadeType.ALL),
//     fails the commit's flush alike (lost.go; the legacy ingestion
//     answers 500). So a callback is dropped when its execution_message or, on
//     Current, an execution_context_identifiers entry (a field 2.4.0 ignores)
//     holds U+0000, and a processed output when a string of a finding it stores
//     (findings.finding_value, TEXT) or the type or value of a signature
//     (jsonb) does, those at the commit, the callback's trace and status
//     kept (rule 14); the Call records Dropped with the reason (a message of
//     chars up to U+0020 only is blank: a 400, rule 3). U+0000 written as
//     text (a backslash, then u0000) is stored as any text. A registration
//     (nul.go) fails on U+0000 in the injector's name or type or a contract's
//     labels (hstore) at the flush (a 500 new, a 409 update: columns.go), in
//     an attack pattern's id or a domain in the handler's query (a 500); the
//     content, TEXT, holds it as the escape, stored.
//  13. Contract expectations (2.4.0 read; Current taken as alike): never checked
//     at registration, read later as they are (inject form, atomic tests; the
//     threat arsenal's detail fails on a list, the platform's own shape): see
//     ContractExpectations, answered per contract by Platform.Expectations.
//  14. Findings are unique per inject (2.4.0 read; the Current line's
//     FindingService read up to 2026-08 alike): a callback whose findings
//     hold one the inject already stores violates the findings table's
//     UNIQUE (finding_inject_id, finding_type, finding_value,
//     finding_field) at the commit, and its batch (rule 3, one per worker
//     group) rolls back: every callback of it is Dropped, its findings and
//     signatures lost, its trace and the inject's new status, written
//     outside the transaction, kept (the inject reads finished, its
//     findings missing); the legacy ingestion answers 409, trace and
//     status kept alike. A finding its output's processor refuses (rule 4)
//     marks the batch rollback-only, that callback lost before its trace;
//     a finding rendered blank (Finding.value is @NotBlank) fails the
//     batch, the legacy ingestion answering 500. StoredFindings lists the
//     rows, each value as the output's processor renders it
//     (findingrow.Value, findingrow.NumberText); POST
//     /api/findings/injects/{id}/search answers them as a Spring page; a
//     finding is linked only to the assets the platform holds (AddAssets,
//     SetAssetGroup; any other id dropped silently, Call.UnlinkedAssets).
//     The code read, file by file and line by line, and each step: the
//     comment at the top of findings_store.go.
//  15. The broker's message size (2.4.0 read; Current taken as alike): a
//     queued callback whose message is larger than the broker's
//     max_message_size is answered 200 and Dropped with the reason;
//     DefaultMaxMessageSize says what is modelled, and from where.
//  16. Reading a JSON body (2.4.0 read: Spring Boot 3.5.10, Jackson 2.19;
//     1.18 is on Jackson 2.17, whose defaults are the same). Every JSON
//     route (callbacks, receptions, asset-group pages, findings searches)
//     binds its input with @RequestBody through Jackson, and Spring's
//     defaults answer what that throws before the inject is looked up
//     (after rule 9's 401 and 405), nothing of the call kept: the first
//     JSON value read, what follows ignored; a property that does not bind
//     a 400; a Content-Type Jackson does not read a 415; an empty body,
//     invalid UTF-8, StreamReadConstraints' limits (MaxNestingDepth,
//     MaxNameLen, MaxStringLen, MaxNumberLen) and an int field given no
//     Java int a 400, each with Spring Boot's error JSON (timestamp,
//     status, error, path; no message: errorbodies.go); jsonread.go says where.
//  17. The pending sweep (2.4.0 read; sweep.go says where): every minute,
//     an inject PENDING for longer than inject.execution.threshold.minutes
//     (10) since its dispatch is finalized without a result
//     (InjectsExecutionJob.java:164-193): a COMPLETE TIMEOUT trace for each primary agent of its
//     assets without one (on Current, one agentless TIMEOUT trace when it has no such agent and
//     no COMPLETE trace), every other trace kept, its status as rule 8 computes it (no COMPLETE
//     trace: ERROR). SweepPending runs it at a given time (WithPendingThreshold, SetInjectAgents,
//     Dispatch); GET answers tracking_sent_date and tracking_end_date.
//     ResetInject leaves an inject without a status (not dispatched, a
//     simulation reset): reception 404, GET inject_status null.
//     Launch launches an inject again, as POST
//     /api/atomic_testings/{id}/launch does (InjectService.launch →
//     Inject.clean, openaev-model …/Inject.java:390-396): a new status,
//     QUEUING, its trackingSentDate now, its traces, findings and
//     signatures gone; Dispatch publishes it again.
//  18. Vulnerability verdicts (the processing read on 2.4.0, which creates no
//     expectation for an external injector's inject, so none is judged
//     there: verdicts.go): a processed cve output judges every VULNERABILITY
//     expectation of the inject not bound to an agent alike, whatever asset
//     its CVEs name: Vulnerable when it holds one, else Not vulnerable; one
//     left out leaves them pending, failed at expiry. Verdicts answers.
//  19. The order of an inject's targets (2.4.0 read): its message lists its assets, each asset's
//     agents (in the asset-group search's rows too) and its asset groups as HashSets; the assets
//     and agents come in an arbitrary order, the groups in their hashes' order: Platform.Message
//     publishes them so, order.go says where.
//  20. A contract's targeted-asset fields are resolved against the inject's content before each
//     callback is stored; one that cannot be loses the callback (2.4.0 read): targeted.go.
//  21. The dispatch race (2.4.0 read; opt-in, WithStaleDispatch): race.go.
//
// Failures are scripted per inject and per route (failures.go); Message
// builds the queue message the platform would send an injector, in the
// order given, Platform.Message in 2.4.0's (rule 19).
//
// # Trying serve by hand
//
// cmd/openaev-standin serves the stand-in on loopback; with -amqp it declares each registering
// injector's queue (rule 2), so that `injectkit serve` consumes it (its doc and
// docs/writing-an-injector.md, section 8, give the commands).
package openaevtest
