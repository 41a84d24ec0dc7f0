// Package query owns the "query" injector: it runs exposure queries against
// an internet search engine (Shodan) for each external target configuration
// of an inject and reports what the engine knows about the targets — the
// hosts that match, their open services and the vulnerabilities recorded
// against them. It declares one expectation type, VULNERABILITY, judged
// from the CVEs it reports: a lookup sends nothing to the targets, so no
// SIEM, EDR or NDR watching them could see it, and a DETECTION or
// PREVENTION of it would be judged on alerts it did not cause.
//
// The package has three seams. Building a request is pure (composeQuery,
// searchURL); talking to the engine goes through a Provider, whose Shodan
// implementation owns pagination, retries, timeouts and the redaction of the
// API key; decoding a response is pure (parseSearchPage, from the body as it arrives).
//
// The API key is a secret: it is sent only in the request URL, and every URL
// or error the package prints, logs or returns has it redacted, and so has
// every banner a provider returns before it reaches the findings
// (cleanMatches: text redacted, host names that are not RFC 1123 host names
// dropped).
//
// A query is one line of printable text, checked where every intake
// checks it (signatures.ExternalConfig.Validate, the one rule): a control
// character (C0 including tab, line feed, carriage return and NUL; DEL;
// C1), a format character (U+00AD, U+200B to U+200F, U+202A to U+202E,
// U+2066 to U+2069, U+FEFF …), a line or paragraph separator (U+2028,
// U+2029) is refused before anything is sent: the signature is shown to
// analysts and matched by collectors, and a bidi override would make what
// they read differ from what was searched, a line break split the log
// lines they match.
//
// A configuration whose query never reached the engine (no API key, its
// first request refused a connection, the deadline first) is named not
// reached (framework.ToolOutput.Unreached): a query that never left is no
// fact a defence could have seen.
package query
