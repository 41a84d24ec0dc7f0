package httpx

import "testing"

// BenchmarkRedact measures a Redactor on what the CLI's stderr writer
// redacts on every write: a JSON log line with no secret in it, and an
// error line whose quoted body holds \u escapes (the decoding path), one
// holding HTML character references (their decoding path), a log line
// with non-ASCII characters (the Unicode folding path), one whose value
// holds escapes of all three encodings, some encoded twice (the decoding
// rounds, to their bound); and
// Redact, which builds the forms on each call.
func BenchmarkRedact(b *testing.B) {
	const secret = "dG9rZW4tc2VjcmV0MTIz=="
	lines := []struct{ name, line string }{
		{"log line", `{"level":"info","ts":"2026-12-01T18:17:09.123Z","msg":"inject finished","inject_id":"3f1c2a9e-7b1d-4c55-9f0e-2b6c1d8e4a10","injector":"nmap","targets":12,"duration":"2.5s","error":"callback rejected: status 400: \"{\\\"error\\\":\\\"bad request\\\"}\""}`},
		{"HTML body", `callback rejected: status 400: <html><body>bad request: the fields &#34;name&#34; &amp; &#x27;id&#x27; are required</body></html>`},
		{"non-ASCII log line", `{"level":"warn","ts":"2026-12-01T18:17:09.123Z","msg":"query failed","inject_id":"3f1c2a9e-7b1d-4c55-9f0e-2b6c1d8e4a10","injector":"query","error":"query credits exhausted: Insufficient query credits, … (café.example, Zürich)"}`},
		{"doubly encoded value", `{"level":"warn","msg":"inject rejected","error":"invalid params.ports \"22%252D80&#37;2C&amp;#45;443\\u00252D8443\": not a port number"}`},
		{"escaped body", `{"level":"warn","msg":"request failed","error":"callback rejected: status 422: \"{\\\"message\\\":\\\"token \\\\u003cnone\\\\u003e refused\\\",\\\"path\\\":\\\"/api/injects/3f1c2a9e\\\"}\""}`},
	}
	r := NewRedactor(secret)
	for _, l := range lines {
		b.Run("Redactor/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Redact(l.line)
			}
		})
		b.Run("Redact/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Redact(l.line, secret)
			}
		})
	}
}
