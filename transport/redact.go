package transport

import "github.com/injectkit/injectkit/internal/httpx"

// Redact returns s with the client's secrets (its token, and the
// credentials of its base URL) redacted in every form httpx.Redact knows. A
// caller keeping or logging what a backend answered (an outbox) uses it
// without ever holding them.
func (c *Client) Redact(s string) string { return httpx.Redact(s, c.poster.Secrets...) }
