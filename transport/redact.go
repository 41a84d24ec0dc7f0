package transport

import "github.com/injectkit/injectkit/internal/httpx"

// Redact returns s with every secret replaced by [REDACTED], in each form
// it may take: raw, JSON-escaped and URL-encoded, and each of those escaped
// once more (see httpx.Redact). Empty secrets are ignored.
func Redact(s string, secrets ...string) string { return httpx.Redact(s, secrets...) }

// Redact returns s with the client's secrets (its token, and the
// credentials of its base URL) redacted in every form Redact knows. A
// caller keeping or logging what a backend answered (an outbox) uses it
// without ever holding them.
func (c *Client) Redact(s string) string { return httpx.Redact(s, c.poster.Secrets...) }
