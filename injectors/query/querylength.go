package query

import (
	"fmt"
	"net/url"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// The length of a query. Shodan's host search takes the query in its
// URL (GET /shodan/host/search?key=…&query=…&page=N), and Shodan documents
// no limit of its own; the servers in front of an API cap the request
// line: nginx's default (large_client_header_buffers 4 8k) answers 414
// to one longer than 8 KiB, whatever is behind it. So a query whose
// request line would pass 8 KiB is refused before anything is sent:
// MaxEscapedQuery leaves 128 bytes of the 8 KiB for the rest of the line
// (GET, the path, key= and a 32-character key, page=, HTTP/1.1).

// MaxEscapedQuery is the most bytes a query, narrowed to its target
// (composeQuery) and URL-escaped as it is sent, may take.
const MaxEscapedQuery = 8<<10 - 128

// ValidateTargets refuses, before anything is sent, an external
// configuration whose query would not fit in Shodan's search URL
// (queryTooLong). The other checks of a configuration are its own
// (signatures.ExternalConfig.Validate), and a configuration that is not
// external is said not queried when the inject runs.
func (e *Executor) ValidateTargets(targets []framework.Target) error {
	for i, t := range targets {
		if c, ok := t.External(); ok {
			if err := queryTooLong(c); err != nil {
				err.Field = fmt.Sprintf("targets[%d].%s", i, err.Field)
				return err
			}
		}
	}
	return nil
}

// queryTooLong is the *signatures.ValidationError on query of c when its
// query, narrowed and escaped, passes MaxEscapedQuery: it names the
// lengths, never the query (which may be megabytes).
func queryTooLong(c signatures.ExternalConfig) *signatures.ValidationError {
	n := len(url.QueryEscape(composeQuery(c)))
	if n <= MaxEscapedQuery {
		return nil
	}
	return &signatures.ValidationError{Field: "query", Reason: fmt.Sprintf("is %d bytes, %d once narrowed to its target "+
		"and URL-escaped, past the %d that fit: Shodan's search takes the query in its URL, and a request line past 8 KiB "+
		"is refused by the servers in front of an API (nginx's default answers 414); shorten the query",
		len(c.Query), n, MaxEscapedQuery)}
}
