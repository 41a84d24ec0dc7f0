package httpx

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// An escaper writes a character as one escape of an encoding Redact
// decodes; start is the character its escapes start with, which an
// encoder escapes wherever it stands (a JSON encoder writes each
// backslash \\, whatever it escapes besides).
type escaper struct {
	name  string
	start rune
	esc   func(r rune) string
}

// escapers are the encodings a text may hold a secret in, escape by
// escape: percent escapes of its UTF-8 bytes, a decimal and a hex HTML
// character reference, a JSON \u escape (a surrogate pair above U+FFFF).
var escapers = []escaper{
	{"percent", '%', func(r rune) string {
		var b strings.Builder
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		return b.String()
	}},
	{"decimal reference", '&', func(r rune) string { return fmt.Sprintf("&#%d;", r) }},
	{"hex reference", '&', func(r rune) string { return fmt.Sprintf("&#x%x;", r) }},
	{"JSON", '\\', func(r rune) string {
		switch {
		case r == '\\':
			return `\\`
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			return fmt.Sprintf(`\u%04x\u%04x`, r1, r2)
		}
		return fmt.Sprintf(`\u%04x`, r)
	}},
}

// escapeSome returns s with the characters whose index (modulo 64) is set
// in mask, and those e's escapes start with, written by e.
func escapeSome(s string, e escaper, mask uint64) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		if mask&(1<<(i%64)) != 0 || r == e.start {
			b.WriteString(e.esc(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestRedactTwoEncodings: a secret encoded twice, by any two of the
// encodings Redact decodes (the same one twice too), is redacted whole:
// one of its characters escaped and the escape's first character escaped
// in turn (standin%252Dtoken, standin&#37;2Dtoken), and every character
// escaped and every character of that escaped again.
func TestRedactTwoEncodings(t *testing.T) {
	const secret = "S3cr3t-a1b2c3d4-Tok"
	dash := uint64(1 << strings.IndexByte(secret, '-'))
	for _, e1 := range escapers {
		for _, e2 := range escapers {
			once := escapeSome(secret, e1, dash)
			for _, tt := range []struct{ name, echo string }{
				{"a character, its escape's first", escapeSome(once, e2, dash)},
				{"every character, twice", escapeSome(escapeSome(secret, e1, ^uint64(0)), e2, ^uint64(0))},
			} {
				t.Run(e1.name+", then "+e2.name+": "+tt.name, func(t *testing.T) {
					line := `params.ports "` + tt.echo + `": not a port number`
					want := `params.ports "` + Redacted + `": not a port number`
					if got := Redact(line, secret); got != want {
						t.Errorf("Redact(%q) = %q, want %q", line, got, want)
					}
				})
			}
		}
	}
	for _, tt := range []struct{ name, echo string }{
		{"percent-encoded twice", "S3cr3t%252Da1b2c3d4-Tok"},
		{"percent sign as an HTML reference", "S3cr3t&#37;2Da1b2c3d4-Tok"},
		{"percent sign \\u-escaped", `S3cr3t\u00252Da1b2c3d4-Tok`},
		{"a reference's ampersand percent-encoded", "S3cr3t%26%2345;a1b2c3d4-Tok"},
		{"a reference's ampersand as &amp;", "S3cr3t&amp;#45;a1b2c3d4-Tok"},
		{"a \\u escape's backslash as a reference", "S3cr3t&#92;u002da1b2c3d4-Tok"},
		{"a \\u escape's backslash percent-encoded", "S3cr3t%5Cu002Da1b2c3d4-Tok"},
		{"a \\u escape's backslash \\u-escaped", `S3cr3t\u005cu002da1b2c3d4-Tok`},
		{"percent-encoded twice, in a JSON log line", jsonString("bad S3cr3t%252Da1b2c3d4-Tok")},
		// r14: five rounds deep. encoding/json writes the reference's "&"
		// as \u0026, a round of its own.
		{"percent sign as a reference, quoted three times", jsonString(jsonString(jsonString("x S3cr3t&#37;2Da1b2c3d4-Tok y")))},
		{"percent-encoded twice, quoted three times", jsonString(jsonString(jsonString("x S3cr3t%252Da1b2c3d4-Tok y")))},
		{"\\u-escaped, quoted four times", jsonString(jsonString(jsonString(jsonString(`x S3cr3t\u002da1b2c3d4-Tok y`))))},
		{"&amp; four deep", "S3cr3t&amp;amp;amp;amp;#45;a1b2c3d4-Tok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			line := "v=" + tt.echo
			if got := NewRedactor(secret).Redact(line); strings.Contains(got, "a1b2c3d4") || !strings.Contains(got, Redacted) {
				t.Errorf("Redact(%q) = %q", line, got)
			}
			if got := NewRedactor(secret).ServerText(line); strings.Contains(got, "a1b2c3d4") {
				t.Errorf("ServerText(%q) = %q", line, got)
			}
		})
	}
}

// FuzzRedactTwoEncodings checks that a secret is redacted whichever of
// its characters one encoding escapes (mask1), and whichever characters
// of that a second escapes in turn (mask2), the escapes' own characters
// among them.
func FuzzRedactTwoEncodings(f *testing.F) {
	f.Add("standin-token", uint64(1<<7), uint64(1<<7), uint8(0), uint8(0))
	f.Add("standin-token", uint64(1<<7), uint64(1<<7), uint8(0), uint8(1))
	f.Add("standin-token", uint64(1<<7), uint64(1<<7), uint8(0), uint8(3))
	f.Add("s3cr3t=😀<&>x", uint64(0x1f5), uint64(0xffff), uint8(3), uint8(2))
	f.Add("it's-secret-42", uint64(1<<2), uint64(1<<3|1<<4), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, secret string, mask1, mask2 uint64, e1, e2 uint8) {
		if len(secret) < ShortSecret || !utf8.ValidString(secret) || strings.ContainsAny(secret, `%&\`) {
			t.Skip() // a secret holding what starts an escape may read as one
		}
		echo := escapeSome(escapeSome(secret, escapers[int(e1)%len(escapers)], mask1), escapers[int(e2)%len(escapers)], mask2)
		if strings.ContainsAny(secret, "=;") {
			// The line's own "=" or ";" may then be hidden with the
			// secret (";;;;0;;;" echoed, even plain, before ";" gives
			// "v=[REDACTED]"; why is not traced): more hidden, never
			// less, which the exact line below cannot say.
			if got := Redact("v="+echo+";", secret); !strings.Contains(got, Redacted) || strings.Contains(got, secret) || strings.Contains(got, echo) {
				t.Errorf("secret %q echoed as %q: %q", secret, echo, got)
			}
			return
		}
		if got := Redact("v="+echo+";", secret); got != "v="+Redacted+";" {
			t.Errorf("secret %q echoed as %q: %q", secret, echo, got)
		}
	})
}

// pieces cuts s into pieces of n bytes, the last one shorter.
func pieces(s string, n int) []string {
	var out []string
	for len(s) > n {
		out, s = append(out, s[:n]), s[n:]
	}
	return append(out, s)
}

// splitModes are the ways t81's hostile server splits a secret into
// pieces shorter than a fragment (/work/t81/ev.py): tok is the secret,
// req the request's headers as the server saw them.
var splitModes = map[string]func(tok, req string) string{
	"br":       func(tok, _ string) string { return strings.Join(pieces(tok, 7), "<br>") },
	"brnl":     func(tok, _ string) string { return strings.Join(pieces(tok, 7), "<br />\n") },
	"br11":     func(tok, _ string) string { return strings.Join(pieces(tok, 11), "<br>") },
	"bar11":    func(tok, _ string) string { return strings.Join(pieces(tok, 11), "|") },
	"dash":     func(tok, _ string) string { return strings.Join(pieces(tok, 7), "-") },
	"ent10":    func(tok, _ string) string { return strings.Join(pieces(tok, 7), "&#10;") },
	"entxa":    func(tok, _ string) string { return strings.Join(pieces(tok, 7), "&#xA;") },
	"ent1310":  func(tok, _ string) string { return strings.Join(pieces(tok, 7), "&#13;&#10;") },
	"entnl":    func(tok, _ string) string { return strings.Join(pieces(tok, 7), "&NewLine;") },
	"pctent10": func(tok, _ string) string { return strings.Join(pieces(tok, 7), "%26%2310%3B") }, // &#10; percent-encoded
	"zwsp":     func(tok, _ string) string { return strings.Join(pieces(tok, 7), "\u200b") },
	"shy":      func(tok, _ string) string { return strings.Join(pieces(tok, 7), "\u00ad") },
	"wj":       func(tok, _ string) string { return strings.Join(pieces(tok, 7), "\u2060") },
	"ansi":     func(tok, _ string) string { return strings.Join(pieces(tok, 7), "\x1b[0m") },
	"nul":      func(tok, _ string) string { return strings.Join(pieces(tok, 7), "\x00") },
	"arr":      func(tok, _ string) string { b, _ := json.Marshal(pieces(tok, 7)); return string(b) },
	"colonhex": func(tok, _ string) string { return hexJoin(tok, "%02x", ":") },
	"hex0x":    func(tok, _ string) string { return hexJoin(tok, "0x%02x", ",") },
	"b64brk":   func(tok, _ string) string { return strings.Join(pieces(b64(tok), 12), "<br>") },
	"b64dash":  func(tok, _ string) string { return strings.Join(pieces(b64(tok), 8), "-") },
	"b64ent10": func(_, req string) string { return strings.Join(pieces(b64(req), 12), "&#10;") },
	"b64br76":  func(_, req string) string { return "dump:<br />\n" + strings.Join(pieces(b64(req), 76), "<br />\n") },
	"b64zw":    func(_, req string) string { return strings.Join(pieces(b64(req), 12), "\u200b") },
	"pctpiece": func(tok, _ string) string { return pieceEscaped(tok) },
}

// hexJoin writes each byte of s with format, joined by sep.
func hexJoin(s, format, sep string) string {
	var out []string
	for _, c := range []byte(s) {
		out = append(out, fmt.Sprintf(format, c))
	}
	return strings.Join(out, sep)
}

// pieceEscaped is s in 7-byte pieces, each query-escaped, one a line.
func pieceEscaped(s string) string {
	var out []string
	for _, p := range pieces(s, 7) {
		out = append(out, url.QueryEscape(p))
	}
	return strings.Join(out, "\n")
}

// wrapBody writes p as t81's server does for wrap: t as it is, j in a
// JSON error, h in an HTML page, xe in an XML message escaped but for its
// character references.
func wrapBody(wrap, p string) string {
	switch wrap {
	case "j":
		b, _ := json.Marshal(map[string]string{"error": p})
		return string(b)
	case "h":
		return "<html><body><p>" + p + "</p></body></html>"
	case "xe":
		return `<?xml version="1.0"?><Response><Errors><Error><Code>AuthFailure</Code><Message>` +
			strings.ReplaceAll(html.EscapeString(p), "&amp;#", "&#") + `</Message></Error></Errors></Response>`
	}
	return p
}

// TestServerTextWithheldSplit checks that a secret split into pieces
// shorter than a fragment, joined by any separator, in a text, JSON, HTML
// or XML answer, is withheld whole: a Bearer token, and a Shodan key in the
// query (whose query_error carried it, t81 items 1 to 4).
func TestServerTextWithheldSplit(t *testing.T) {
	const tok = `t80TOKcoreA"b\c/d+e%2Ff&g<h>i=j`
	const key = "t81ShodanKeyAbCdEfGh0123456789xy"
	srv := echoServer(t, http.StatusUnauthorized, func(r *http.Request) string {
		var req strings.Builder
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&req, "%s: %s\r\n", k, r.Header.Get(k))
		}
		secret := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if k := r.URL.Query().Get("key"); k != "" {
			secret = k
		}
		wrap, mode, _ := strings.Cut(strings.Trim(r.URL.Path, "/"), "-")
		return wrapBody(wrap, splitModes[mode](secret, req.String()))
	})
	for _, wrap := range []string{"t", "j", "h", "xe"} {
		for mode := range splitModes {
			t.Run(wrap+"-"+mode+"/token", func(t *testing.T) {
				body := errorBodyOf(t, srv.URL+"/"+wrap+"-"+mode, http.Header{"Authorization": {"Bearer " + tok}}, tok)
				if !IsWithheld(body) {
					t.Errorf("body %q, want it withheld", body)
				}
			})
			if strings.HasPrefix(mode, "b64") && mode != "b64brk" && mode != "b64dash" {
				continue // the key travels in the URL, not the headers
			}
			t.Run(wrap+"-"+mode+"/key", func(t *testing.T) {
				body := errorBodyOf(t, srv.URL+"/"+wrap+"-"+mode+"?key="+key, nil, key)
				if !IsWithheld(body) {
					t.Errorf("body %q, want it withheld", body)
				}
			})
		}
	}
}

// TestServerTextOrdinaryShown checks that ordinary error answers holding
// no secret are shown as they are: a 422 of the platform, Shodan's
// credits answer, AWS's refusals, and another JWT than the token, which
// shares its header (t81 item 6).
func TestServerTextOrdinaryShown(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0ODEtaW5qZWN0b3IiLCJpYXQiOjE3NjQ3NDg4MDB9.q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c"
	secrets := []string{"t81ShodanKeyAbCdEfGh0123456789xy", `t80TOKcoreA"b\c/d+e%2Ff&g<h>i=j`, jwt}
	for name, body := range map[string]string{
		"ord422":     `{"status": 422, "error": "Unprocessable Entity", "message": "Validation Failed", "errors": {"children": {"expectation_signature": {"errors": ["must not be null"]}, "inject_id": {"errors": ["Inject 'i-t81' not found"]}}}, "path": "/api/injects/execution/callback/i-t81", "timestamp": "2026-12-03T07:50:00.000+00:00"}`,
		"shocred":    `{"error": "Insufficient query credits, please upgrade your API plan or wait for the monthly limit to reset"}`,
		"awsdenied":  "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n    <Message>User: arn:aws:iam::123456789012:user/t81-scanner is not authorized to perform: sts:GetCallerIdentity because no identity-based policy allows the sts:GetCallerIdentity action</Message>\n  </Error>\n  <RequestId>4c8f2a1e-9b3d-4f6a-8e2c-1d5b7a9c3e0f</RequestId>\n</ErrorResponse>\n",
		"awsexpired": `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>4c8f2a1e-9b3d-4f6a-8e2c-1d5b7a9c3e0f</RequestId></ErrorResponse>`,
		"jwtother":   `{"error": "invalid_token", "hint": "refresh with", "new_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvdGhlciJ9.c2lnbmF0dXJlb3RoZXI"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if got := NewRedactor(secrets...).ServerText(body); got != body {
				t.Errorf("ServerText = %q, want the body as is", got)
			}
		})
	}
	t.Run("jwt split", func(t *testing.T) {
		body := strings.Join(pieces(jwt, 7), "<br>")
		if got := NewRedactor(jwt).ServerText(body); !IsWithheld(got) {
			t.Errorf("ServerText = %q, want it withheld", got)
		}
	})
}

// TestDetailWithheldUnquoted checks that a withheld note is not quoted as
// if the server had said it (t81 item 7), while a body is.
func TestDetailWithheldUnquoted(t *testing.T) {
	for body, want := range map[string]string{
		WithheldText(12): ": status 401: " + WithheldText(12),
		"bad token":      `: status 401: "bad token"`,
	} {
		if got := Detail(http.StatusUnauthorized, "", body, nil); got != want {
			t.Errorf("Detail(%q) = %q, want %q", body, got, want)
		}
	}
}
