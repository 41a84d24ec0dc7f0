package transport

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// redacted is what Redact puts in place of a secret.
const redacted = "[REDACTED]"

// escapers are the encodings a secret may travel in through a backend's
// answer or an error message: JSON-escaped (as encoding/json writes it,
// with and without HTML escaping, and as Go's %q quotes it) and
// URL-encoded (query and path escaping, with upper or lower case hex).
var escapers = []func(string) string{
	func(s string) string { return jsonInner(s, true) },
	func(s string) string { return jsonInner(s, false) },
	func(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] },
	url.QueryEscape,
	url.PathEscape,
	func(s string) string { return lowerHex(url.QueryEscape(s)) },
	func(s string) string { return lowerHex(url.PathEscape(s)) },
}

// Redact returns s with every secret replaced by [REDACTED], in each form
// it may take: raw, JSON-escaped and URL-encoded, and each of those escaped
// once more (an error message quoting a response body that echoed the
// secret JSON-escaped holds it escaped twice). Empty secrets are ignored.
func Redact(s string, secrets ...string) string {
	var forms []string
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		forms = append(forms, secretForms(secret)...)
	}
	if len(forms) == 0 {
		return s
	}
	// Longest first: a replacer tries its pairs in order at each position,
	// and an escaped form may start with a shorter one.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	forms = slices.Compact(forms)
	found := false
	for _, f := range forms {
		if strings.Contains(s, f) {
			found = true
			break
		}
	}
	if !found {
		return s
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, redacted)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Redact returns s with the client's token redacted in every form Redact
// knows. A caller keeping or logging what a backend answered (an outbox)
// uses it without ever holding the token.
func (c *Client) Redact(s string) string { return Redact(s, c.token) }

// secretForms returns secret, its escaped forms and their escaped forms.
func secretForms(secret string) []string {
	forms := []string{secret}
	for _, esc := range escapers {
		once := esc(secret)
		forms = append(forms, once)
		for _, esc2 := range escapers {
			forms = append(forms, esc2(once))
		}
	}
	return forms
}

// jsonInner returns s as a JSON string without its quotes.
func jsonInner(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// lowerHex lowers the hex digits of the percent escapes of s.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}
