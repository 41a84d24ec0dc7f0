// Package openaev owns injectkit's side of the OpenAEV platform: the
// registration of the injector and its contracts, the translation of a
// platform message into a framework.Request, and the "openaev" wire
// profile, which reports an inject through the platform's own execution
// callbacks.
//
// # Registration
//
// Client.Register POSTs multipart/form-data to {url}/api/injectors (or
// /api/tenants/{tenant}/injectors): an "input" part (application/json)
// with injector_id, injector_name, injector_type and injector_contracts,
// and, on request, an "icon" part (image/png). There is one contract per
// injector, generated from its framework.Manifest: target fields for its
// category (for network injectors: selector, assets, asset groups,
// property, manual targets), the manifest's
// expectations, one field per param, the manifest's outputs plus
// {"type":"expectation_signature","field":"expectation_signatures"}. A
// contract's id is a UUID v5 of the injector name in the namespace of the
// injector id, so it is stable across restarts. The reply names the broker
// and the queue (Registration.Listen) to consume: use it as it is. The
// daemon calls Register again as its heartbeat.
//
// # From message to request
//
// ParseMessage reads a platform message leniently (the platform adds fields
// freely). Processor.Translate finds the injector by contract id
// (injector_contract_id, else convertedContent.contract_id), then the
// targets by inject_content.target_selector:
//
//   - assets: the message's assets; asset-groups: the assets of each group,
//     paged from POST /api/endpoints/targets 20 at a time; manual: the
//     comma-separated targets, trimmed, de-duplicated and validated (a value
//     that is not an IP address or an RFC 1123 host name, such as "-oN/x",
//     rejects the inject);
//   - the property selector picks each asset's value: automatic (an
//     agentless asset's host name, else its seen IP when usable, else its
//     first usable IP, where usable excludes loopback, link-local and
//     unspecified addresses), hostname, seen_ip or local_ip. An asset with
//     no usable value is skipped and named in the trace.
//
// An external injector's contract asks for a query, optionally narrowed to
// targets chosen as above (IPv4 addresses or host names); a cloud
// injector's asks for the provider, the account id, comma-separated
// regions (one target each) and the service.
//
// Assets are read in both spellings, asset_* and the older endpoint_*. Each
// target keeps its asset id, first agent id and asset group id, and results
// are attributed to targets by address or name, never by position. Contract
// fields matching the injector's params become typed Request.Params;
// others are ignored. Expectation types come from
// inject_content.expectations, else from the manifest.
//
// # The openaev profile
//
// For each inject, in order:
//
//  1. POST /api/injects/execution/reception/{id} {"tracking_total_count":1};
//  2. one INFO command_execution trace saying what runs on which targets
//     (its loss is logged, not fatal);
//  3. framework.Runtime.Prepare and Execute;
//  4. exactly one terminal POST /api/injects/execution/callback/{id} with
//     execution_action "complete", execution_status SUCCESS (success or
//     partial run) or ERROR (failure, timeout), a non-blank message with the
//     detail, execution_duration in seconds and execution_output_structured,
//     a JSON string holding the declared outputs from the injector's
//     Findings plus expectation_signatures.
//
// Signatures use the platform's type names (source_ipv4_address,
// target_hostname_address, start_date, end_date…; see
// PlatformSignatureType), carry scalar string values only (lists and
// objects stay in the findings), keep only DETECTION and PREVENTION groups,
// and are sent only for targets that name an agent, an asset or an asset
// group (manual targets have none, as in the platform's own injectors).
//
// A message that cannot run (malformed, no targets, bad params) still gets
// its reception and a terminal ERROR when it names an inject id; Process
// then returns a *MessageError so that the daemon rejects it without
// requeueing.
//
// # Errors and retries
//
// Every request is retried on a network error, a 5xx, a 408 or a 429, with
// waits doubling from 1 s (WithRetry); a terminal callback is also retried
// on a 409, the platform's "not PENDING yet". Other statuses are final. A
// failure is an *APIError matching ErrPermanent or ErrRetriesExhausted.
// The token and the broker password never appear in a log line or an
// error.
package openaev
