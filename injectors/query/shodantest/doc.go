// Package shodantest provides a local stand-in for the Shodan host search
// API, for tests: an httptest server on the loopback interface that speaks
// Shodan's wire protocol, enforces the rules of the real API listed below,
// and answers with {"matches": [...], "total": N} pages built from
// captured-shape fixtures, or with the error answers a test queues.
//
// The stand-in searches its corpus — every match of the fixture pages under
// testdata/ — with a subset of Shodan's query language: the filters ip:,
// hostname:, port:, product: and org:, each matching any of its
// comma-separated values (port:80,443; org:"A,B"), the terms of the query
// (split on white space, line breaks included, outside double quotes)
// all matching ("query terms are always AND-ed together whereas filter
// values are OR-ed together", blog.shodan.io/search-engine-improvements),
// and free-text words matched against the banner's data alone ("by
// default, only the data property is searched by Shodan",
// help.shodan.io/the-basics/search-query-fundamentals: the product and
// the organisation only through their filters).
//
// Each rule it enforces, the behaviour of the real API it models, and the
// source:
//
//   - GET /shodan/host/search?key=…&query=…&page=N, the key and the query
//     as URL parameters; any other path is 404 (developer.shodan.io/api,
//     "Search Shodan").
//   - Pages of 100 matches: page N (1 when absent) holds matches
//     100(N-1)+1 to 100N, a page past the end is empty, total counts every
//     match of the query; page 0 or a non-number is 400
//     (developer.shodan.io/api: "page: the page number to page through
//     results 100 at a time"; shodan-python's search_cursor pages to
//     ceil(total/100)).
//   - 401 for an unknown key, with the HTML page nginx answers 401 with
//     (InvalidKeyPage, text/html), not a JSON body: shodan-python reads a
//     401 body starting with "<" as "the 401 page that nginx returns for
//     401 responses by default" and raises APIError("Invalid API key")
//     from it. A missing key gets 401 MsgNoKey in JSON: the stand-in's
//     own answer, which the query injector, refusing to search without a
//     key, never asks for.
//   - 403 "Access denied (403 Forbidden)" for a filter the key's plan does
//     not allow: the key is valid, the request is not (BurtTheCoder/mcp-shodan
//     docs/troubleshooting.md: "403 errors or Access denied … search
//     filters need a Shodan membership or paid API plan"). Which filters
//     the plan refuses is the stand-in's choice (Refuse): vuln: by default,
//     as for a membership key, which the stand-in otherwise models.
//   - 429 "Rate limit reached" for a key asking faster than one request a
//     second, measured between the arrivals of the key's requests answered
//     (SetMinInterval; api-evangelist/shodan rate-limits/shodan-rate-limits.yml:
//     "REST API Request Rate, scope api-key, 1 per second, throttled: 429";
//     mcp-shodan troubleshooting.md: "Shodan allows about one request per
//     second"). The wording of the message is the stand-in's: Shodan's is
//     not documented.
//   - 401 MsgUpgrade, "Please upgrade your API plan to use filters or
//     paging.", for a filter or a page past the first of a key without a
//     paid plan (SetFreePlan; off at first): the key is valid, a first
//     page without a filter is answered (mcp-shodan troubleshooting.md:
//     "search filters need a Shodan membership or paid API plan";
//     shodan-python raises a 401's JSON "error" as it is). The wording
//     is the one users quote; Shodan does not document it.
//   - A count and no banners, {"matches": [], "total": N} with N the
//     query's count, for a filter the stand-in is told the key's plan
//     withholds (Withhold; none at first): the shape of Shodan's
//     /shodan/host/count ("does not return any host results, it only
//     returns the total number of results", developer.shodan.io/api),
//     which the search is reported to answer for a key whose plan or
//     query credits do not cover the search. Shodan documents no such
//     answer of the search: the stand-in's choice, so that a client
//     taking it for "nothing found" is caught.
//   - Query credits, per key, unlimited unless set (SetQueryCredits): a
//     search costs one credit when its query uses a filter (name:value,
//     the name outside quotes: a quoted phrase holding a colon, "Server:
//     nginx", is free text) or it asks for page 2 or later, a first
//     page without a filter is free, and a
//     search the credits left do not cover gets 401 "Insufficient query
//     credits, please upgrade your API plan or wait for the monthly limit
//     to reset" (help.shodan.io/the-basics/credit-types-explained: "query
//     credits are deducted if … a search filter is used [or] page 2 or
//     beyond is requested", "1 query credit lets you download 100
//     results"). Shodan does not document the answer to spent credits:
//     the message is the one users quote (Findomain/Findomain#111), and
//     the 401 a third party measured by spending an account's credits,
//     where a bad key gets Shodan's HTML 401 page (above); only the body
//     tells the two apart. The /api-info balance is not modelled: the query
//     injector never asks for it.
//   - Every other error is a JSON body {"error": "…"}
//     (developer.shodan.io/api; shodan-python reads data.json()['error']).
//
// Queued replies (Enqueue) stand in for the real API's answer to a request:
// they are served before any of these rules, and do not count towards the
// rate.
package shodantest
