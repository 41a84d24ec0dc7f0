package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestRedact(t *testing.T) {
	const tok = `tok-Zq81"<&>\x y`
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"raw", "echo " + tok + ".", []string{tok}, "echo [REDACTED]."},
		{"JSON-escaped", `{"auth":"tok-Zq81\"\u003c\u0026\u003e\\x y"}`, []string{tok}, `{"auth":"[REDACTED]"}`},
		{"JSON-escaped without HTML escaping", `{"auth":"tok-Zq81\"<&>\\x y"}`, []string{tok}, `{"auth":"[REDACTED]"}`},
		{"%q", fmt.Sprintf("%q", tok), []string{tok}, `"[REDACTED]"`},
		{"query-escaped", "t=" + url.QueryEscape(tok), []string{tok}, "t=[REDACTED]"},
		{"path-escaped", "/" + url.PathEscape(tok), []string{tok}, "/[REDACTED]"},
		{"lower-case hex", "t=tok-Zq81%22%3c%26%3e%5cx+y", []string{tok}, "t=[REDACTED]"},
		{"lower-case hex, path-escaped", "/tok%2f%c3%a4", []string{"tok/ä"}, "/[REDACTED]"},
		{"quoted twice", strconv.Quote(`{"auth":` + strconv.Quote(tok) + `}`), []string{tok}, `"{\"auth\":\"[REDACTED]\"}"`},
		// A mixed-case key echoed in another case (a DNS name is
		// lowercased) shows nearly all of it.
		{"another letter case", "h-abcdef0123456789ghijklmnopqrstuv.example H-ABCDEF0123456789GHIJKLMNOPQRSTUV.EXAMPLE",
			[]string{"AbCdEf0123456789GhIjKlMnOpQrStUv"}, "h-[REDACTED].example H-[REDACTED].EXAMPLE"},
		{"another letter case, \\u-escaped", `{"host":"h-\u0061bcdef0123456789ghijklmnopqrstuv"}`,
			[]string{"AbCdEf0123456789GhIjKlMnOpQrStUv"}, `{"host":"h-[REDACTED]"}`},
		{"another letter case, url-encoded", "t=" + strings.ToLower(url.QueryEscape(tok)), []string{tok}, "t=[REDACTED]"},
		{"short secret in another case", "Bearer T.", []string{"t"}, "Bearer [REDACTED]."},
		// Beyond ASCII too, as strings.EqualFold compares.
		{"non-ASCII letter in another case", "internal error for key KÉ / ké", []string{"ké"}, "internal error for key [REDACTED] / [REDACTED]"},
		{"long secret, non-ASCII letters in another case", "x=ÄBCDÉFGHIJ-1;", []string{"äbcdéfghij-1"}, "x=[REDACTED];"},
		{"Kelvin sign for k", "key \u212aey-12345678.", []string{"key-12345678"}, "key [REDACTED]."},
		{"long s for s", "tok \u017f3cr3t-1xyz.", []string{"S3cr3t-1xyz"}, "tok [REDACTED]."},
		// A secret holding K or ſ, echoed by a server that lowercased it
		// (strings.ToLower("\u212a") is "k"): ASCII alone.
		{"Kelvin sign in the secret, echoed as k", "token s3cret-key-abcdef here", []string{"s3cret-\u212aey-abcdef"}, "token [REDACTED] here"},
		{"long s in the secret, echoed as s", "v secret-value-123.", []string{"\u017fecret-value-123"}, "v [REDACTED]."},
		{"non-ASCII in another case, \\u-escaped", `{"error":"bad key K\u00C9"}`, []string{"ké"}, `{"error":"bad key [REDACTED]"}`},
		{"non-ASCII in another case inside a word: short, kept", "aKÉb", []string{"ké"}, "aKÉb"},
		{"several secrets", "a=s1 b=s2", []string{"s1", "", "s2"}, "a=[REDACTED] b=[REDACTED]"},
		{"no secret", "nothing " + tok, nil, "nothing " + tok},
		{"empty secret", "nothing", []string{""}, "nothing"},
		{"absent", "nothing here", []string{tok}, "nothing here"},
		// A short secret is redacted where it stands as a word, never
		// inside one: that would garble the line and show the secret.
		{"short secret inside words", `Post "http://h/": connection refused`, []string{"t"}, `Post "http://h/": connection refused`},
		{"short secret as a word", "Bearer t, key=t&x=1, {\"t\":\"t\"}", []string{"t"}, "Bearer [REDACTED], key=[REDACTED]&x=1, {\"[REDACTED]\":\"[REDACTED]\"}"},
		{"short secret at both ends", "t t", []string{"t"}, "[REDACTED] [REDACTED]"},
		{"short secret of symbols inside a word", "a<&>b", []string{"<&>"}, "a[REDACTED]b"},
		{"short multi-byte secret inside a word", "bär, ä", []string{"ä"}, "bär, [REDACTED]"},
		{"short secret, escaped form as a word", "k=%C3%A4&", []string{"ä"}, "k=[REDACTED]&"},
		{"short secret, escaped form inside a word", "x%C3%A4y, a\\u00e4b", []string{"ä"}, "x%C3%A4y, a\\u00e4b"},
		{"eight bytes and more: inside words too", "xs3cr3t-1x", []string{"s3cr3t-1"}, "x[REDACTED]x"},
		// Other servers' encodings: encodeURIComponent / Python's quote
		// (%20 for a space), Python's json.dumps (\uXXXX for non-ASCII).
		{"component-escaped", "url=SECRETQa%20b%26cZZEND", []string{"SECRETQa b&cZZEND"}, "url=[REDACTED]"},
		{"component-escaped, lower-case hex", "url=SECRETQa%20b%2bc", []string{"SECRETQa b+c"}, "url=[REDACTED]"},
		{"JSON with ASCII escapes", `json="SECRETQab\u00e9cdZZEND"`, []string{"SECRETQabécdZZEND"}, `json="[REDACTED]"`},
		{"JSON with upper-case ASCII escapes", `"s3cr3t-\u00E9"`, []string{"s3cr3t-é"}, `"[REDACTED]"`},
		{"Python's quote keeps a slash", "url=SECRETQ/a%20b%3F", []string{"SECRETQ/a b?"}, "url=[REDACTED]"},
		{"Python's quote, lower-case hex", "url=SECRETQ/a%3f", []string{"SECRETQ/a?"}, "url=[REDACTED]"},
		{"encodeURIComponent keeps !'()*", "url=SECRETQ(a)*b!%20c'", []string{"SECRETQ(a)*b! c'"}, "url=[REDACTED]"},
		{"JSON with HTML and ASCII escapes", `"s3cr3t\u003c\u0026\u003e\u00e9"`, []string{"s3cr3t<&>é"}, `"[REDACTED]"`},
		{"Python's quote, safe=''", "url=SECRETQ%2Fa%20b%21%27", []string{"SECRETQ/a b!'"}, "url=[REDACTED]"},
		// Form encoding ("+" for a space): a query string echoed with its
		// slash left raw (the Shodan key), or escaped, or as forms and
		// Java's URLEncoder write it ("*" kept, "~" escaped).
		{"form-encoded, a slash raw", "400: bad query ?key=my+s3cret/key&q=1", []string{"my s3cret/key"}, "400: bad query ?key=[REDACTED]&q=1"},
		{"form-encoded, a slash escaped", "?key=my+s3cret%2Fkey&q=1", []string{"my s3cret/key"}, "?key=[REDACTED]&q=1"},
		{"form-encoded, a slash escaped, lower-case hex", "?key=my+s3cret%2fkey&q=1", []string{"my s3cret/key"}, "?key=[REDACTED]&q=1"},
		{"form-encoded as URLSearchParams", "?key=SECRETQ*a+b%7E%2F%2B", []string{"SECRETQ*a b~/+"}, "?key=[REDACTED]"},
		{"form-encoded, a slash raw, lower-case hex", "?key=SECRETQ/a+b%3f", []string{"SECRETQ/a b?"}, "?key=[REDACTED]"},
		{"HTML, Python's html.escape", "<p>Bearer Sx9&lt;&amp;&gt;&quot;q&#x27;Tok3n</p>", []string{`Sx9<&>"q'Tok3n`}, "<p>Bearer [REDACTED]</p>"},
		{"HTML, Go's html.EscapeString", "<p>Sx9&lt;&amp;&gt;&#34;q&#39;Tok3n</p>", []string{`Sx9<&>"q'Tok3n`}, "<p>[REDACTED]</p>"},
		{"base64", "t=U3g5PCY+InFcLysgJXp6PVRvazNuISc=", []string{`Sx9<&>"q\/+ %zz=Tok3n!'`}, "t=[REDACTED]"},
		{"base64, URL alphabet, unpadded", "t=U3g5PCY-InFcLysgJXp6PVRvazNuISc", []string{`Sx9<&>"q\/+ %zz=Tok3n!'`}, "t=[REDACTED]"},
		{"hex", "t=73336372337431323334", []string{"s3cr3t1234"}, "t=[REDACTED]"},
		{"JSON with an escaped slash", `"s3cr3t\/x"`, []string{"s3cr3t/x"}, `"[REDACTED]"`},
		{"JSON with a surrogate pair", `"s3cr3t-\ud83d\ude00"`, []string{"s3cr3t-😀"}, `"[REDACTED]"`},
		// Every character escaped, letters and digits too.
		{"every character \\u-escaped", `"\u005a\u0071\u0037\u004b\u0078\u0039"`, []string{"Zq7Kx9"}, `"[REDACTED]"`},
		{"every character \\u-escaped, upper-case hex", `"\u005A\u0071\u0037\u004B"`, []string{"Zq7K"}, `"[REDACTED]"`},
		{"every byte percent-encoded", "t=%5A%71%37%4B%78%39", []string{"Zq7Kx9"}, "t=[REDACTED]"},
		{"every byte percent-encoded, lower-case hex", "t=%5a%71%37%4b%c3%a9", []string{"Zq7Ké"}, "t=[REDACTED]"},
		// Some bytes percent-encoded, hex in either case, mixed at will.
		{"one byte percent-encoded", "params.outcome \"standin%2Dtoken\": not one of", []string{"standin-token"}, "params.outcome \"[REDACTED]\": not one of"},
		{"one byte percent-encoded, lower-case hex", "v=standin%2dtoken", []string{"standin-token"}, "v=[REDACTED]"},
		{"some bytes percent-encoded, UTF-8 too", "v=s%74andin-k%C3%a9", []string{"standin-ké"}, "v=[REDACTED]"},
		{"percent-encoded in a JSON log line", jsonString("bad st%41ndin-token"), []string{"stAndin-token"}, jsonString("bad [REDACTED]")},
		{"short secret percent-encoded, inside a word", "xa%2Dby", []string{"a-b"}, "xa%2Dby"},
		{"percent escapes elsewhere kept", "100% %zz %2D standin-toke%6E", []string{"standin-tokens"}, "100% %zz %2D standin-toke%6E"},
		{"decimal HTML references", "<p>&#90;&#113;&#55;&#75;&#233;</p>", []string{"Zq7Ké"}, "<p>[REDACTED]</p>"},
		{"hex HTML references", "<p>&#x5a;&#x71;&#x37;</p> <p>&#X5A;&#X71;&#X37;</p>", []string{"Zq7"}, "<p>[REDACTED]</p> <p>[REDACTED]</p>"},
		// Some characters as HTML or XML character references, decimal or
		// hex in any case, with leading zeros, or named, mixed at will.
		{"XML's &#38; and &#34;", "<html>bad token: S3cr3tTok-t16+A/B=C%D&#38;E&#34;F-0123456789</html>",
			[]string{`S3cr3tTok-t16+A/B=C%D&E"F-0123456789`}, "<html>bad token: [REDACTED]</html>"},
		{"hex references, any case, leading zeros", "t=S3cr3t&#x26;E&#X0022;F&#x0000027;x",
			[]string{`S3cr3t&E"F'x`}, "t=[REDACTED]"},
		{"named and numeric mixed", "t=S3cr3t&amp;E&#34;F&apos;x&LT;", []string{`S3cr3t&E"F'x<`}, "t=[REDACTED]"},
		{"references in a JSON log line", jsonString("status 400: S3cr3t&#38;E&#x22;F-12"), []string{`S3cr3t&E"F-12`},
			jsonString("status 400: [REDACTED]")},
		{"short secret as references, as a word", "k=a&#38;b;", []string{"a&b"}, "k=[REDACTED];"},
		{"short secret as references, inside a word", "xa&#38;by", []string{"a&b"}, "xa&#38;by"},
		{"references elsewhere kept", "a &#38; b &#xZZ; &#99999999; &bogus; &#;", []string{"S3cr3t&E"}, "a &#38; b &#xZZ; &#99999999; &bogus; &#;"},
		// Some characters \u-escaped, as Java's Gson writes = ' < > &, and
		// any JSON encoder may write any character; the backslash doubled
		// when an error text quotes the body, again in a JSON log line.
		{"Gson's \\u003d", `{"token":"dG9rZW4tc2VjcmV0MTIz\u003d\u003d"}`, []string{gsonTok}, `{"token":"[REDACTED]"}`},
		{"Gson's \\u003d, upper-case hex", `{"token":"dG9rZW4tc2VjcmV0MTIz\u003D\u003D"}`, []string{gsonTok}, `{"token":"[REDACTED]"}`},
		{"one of two characters \\u-escaped", `t=dG9rZW4tc2VjcmV0MTIz=\u003d;`, []string{gsonTok}, `t=[REDACTED];`},
		{"Gson's \\u0027", `{"error":"bad token it\u0027s-secret-42"}`, []string{"it's-secret-42"}, `{"error":"bad token [REDACTED]"}`},
		{"some of < > & \\u-escaped", `"tok<en\u003e&x-1"`, []string{"tok<en>&x-1"}, `"[REDACTED]"`},
		{"letters and digits \\u-escaped", `"s3cr\u0033t-1\u0032"`, []string{"s3cr3t-12"}, `"[REDACTED]"`},
		{"\\u-escaped and a surrogate pair", `"s3cr3t\u003d\uD83D\uDE00x"`, []string{"s3cr3t=😀x"}, `"[REDACTED]"`},
		{"\\u0022 and \\\" in one echo", `{"t":"a\"b\u0022c-secret"}`, []string{`a"b"c-secret`}, `{"t":"[REDACTED]"}`},
		{"backslash doubled", strconv.Quote(`{"token":"dG9rZW4tc2VjcmV0MTIz\u003d\u003d"}`), []string{gsonTok},
			strconv.Quote(`{"token":"[REDACTED]"}`)},
		{"backslash doubled, Gson's \\u0027", "status 422: " + strconv.Quote(`{"error":"it\u0027s-secret-42"}`), []string{"it's-secret-42"},
			"status 422: " + strconv.Quote(`{"error":"[REDACTED]"}`)},
		{"backslash doubled twice", jsonString(strconv.Quote(`{"error":"it\u0027s-secret-42"}`)), []string{"it's-secret-42"},
			jsonString(strconv.Quote(`{"error":"[REDACTED]"}`))},
		{"escapes elsewhere kept", `{"a":"it\u0027s fine","b":"\u003d\ud800"}`, []string{"it's-secret-42"}, `{"a":"it\u0027s fine","b":"\u003d\ud800"}`},
		{"short secret \\u-escaped as a word", `k=a\u003db&`, []string{"a=b"}, `k=[REDACTED]&`},
		{"short secret \\u-escaped inside a word", `xa\u003dby`, []string{"a=b"}, `xa\u003dby`},
		// The encoded forms of a short secret that are a few letters and
		// digits (hex, unpadded base64) would match a time's minutes or a
		// word of any line: left out; those carrying escapes or padding,
		// or at least 8 characters long, stay, and the raw secret always.
		{"short secret's hex in a time", "2026-12-03T02:54:12.154Z", []string{"T"}, "2026-12-03T02:54:12.154Z"},
		{"short secret's base64 as a word", "VA Virginia", []string{"T"}, "VA Virginia"},
		{"short secret raw, escaped, padded base64", "Bearer T %54 \\u0054 b64=VA==", []string{"T"}, "Bearer [REDACTED] [REDACTED] [REDACTED] b64=[REDACTED]"},
		{"short secret's hex of 8 characters and more", "h=6f7574626f78", []string{"outbox"}, "h=[REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in, tt.secrets...); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := NewRedactor(tt.secrets...).Redact(tt.in); got != tt.want {
				t.Errorf("Redactor.Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// gsonTok is a token ending in "=", which Gson writes as \u003d.
const gsonTok = "dG9rZW4tc2VjcmV0MTIz=="

// jsonString returns s as a JSON string, as a JSON log line holds it.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestRedactError(t *testing.T) {
	base := errors.New("upstream said: bad key s3cr3t")
	tests := []struct {
		name    string
		err     error
		same    bool
		wantMsg string
	}{
		{"nil", nil, true, ""},
		{"no secret", errors.New("refused"), true, "refused"},
		{"secret", base, false, "upstream said: bad key [REDACTED]"},
		{"wrapped secret", fmt.Errorf("page 1: %w", &url.Error{Op: "Get", URL: "http://h/?key=s3cr3t", Err: base}), false,
			`page 1: Get "http://h/?key=[REDACTED]": upstream said: bad key [REDACTED]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactError(tt.err, "s3cr3t")
			if (got == tt.err) != tt.same {
				t.Errorf("RedactError returned the same error: %v, want %v", got == tt.err, tt.same)
			}
			if tt.err == nil {
				if got != nil {
					t.Errorf("RedactError(nil) = %v", got)
				}
				return
			}
			if got.Error() != tt.wantMsg || !errors.Is(got, tt.err) || strings.Contains(got.Error(), "s3cr3t") {
				t.Errorf("RedactError = %q (chain kept: %v), want %q", got, errors.Is(got, tt.err), tt.wantMsg)
			}
		})
	}
}

func TestURLSecrets(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"http://admin:PWSECRET9@127.0.0.1:1", []string{"PWSECRET9", "YWRtaW46UFdTRUNSRVQ5"}},
		{"https://tok3n-as-user@h", []string{"tok3n-as-user", "dG9rM24tYXMtdXNlcjo="}},
		{"https://h/x", nil},
		{"https://:@h", nil},
		{"::", nil},
	}
	for _, tt := range tests {
		if got := URLSecrets(tt.raw); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("URLSecrets(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	// The Basic header a client sends for the URL is redacted.
	line := "echo: Authorization: Basic YWRtaW46UFdTRUNSRVQ5"
	if got := Redact(line, URLSecrets("http://admin:PWSECRET9@127.0.0.1:1")...); strings.Contains(got, "YWRtaW46") {
		t.Errorf("Basic credentials not redacted: %q", got)
	}
}

// FuzzRedactQuery checks that a secret sent as a query parameter is
// redacted from a server's answer echoing the query string as it may: Go's
// and Python's query escaping, with the slash left raw, its hex in lower
// case.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"my s3cret/key", "SECRETQ*a b~/+", "ä/ö?&=+ %zz", "tok-Zq81\"<&>\\x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		if len(secret) < ShortSecret || !utf8.ValidString(secret) {
			t.Skip()
		}
		enc := url.QueryEscape(secret) // as url.Values and Python's quote_plus write it
		raw := strings.ReplaceAll(enc, "%2F", "/")
		for _, v := range []string{enc, raw, lowerHex(enc), lowerHex(raw)} {
			if got := Redact("error: ?key="+v+"&q=1", secret); strings.Contains(got, v) || !strings.Contains(got, Redacted) {
				t.Errorf("secret %q echoed as %q: %q", secret, v, got)
			}
		}
	})
}

// FuzzRedactUnicodeEscapes checks that a secret is redacted whichever of
// its characters an echo \u-escapes (mask), in either hex case, and with
// the backslashes doubled by a quoting or two.
func FuzzRedactUnicodeEscapes(f *testing.F) {
	f.Add("it's-secret-42", uint64(1<<2), false, 0)
	f.Add(gsonTok, uint64(3<<20), true, 1)
	f.Add("s3cr3t=😀<&>", uint64(0x1f5), false, 2)
	f.Fuzz(func(t *testing.T, secret string, mask uint64, upper bool, quotes int) {
		if len(secret) < ShortSecret || !utf8.ValidString(secret) || strings.ContainsAny(secret, `"\`) {
			t.Skip() // a quote or backslash is escaped as such, not \u-escaped alone
		}
		var echo strings.Builder
		for i, r := range []rune(secret) {
			if mask&(1<<(i%64)) == 0 && r >= ' ' && r < 0x7f { // printable ASCII, as strconv.Quote keeps it
				echo.WriteRune(r)
				continue
			}
			units := []rune{r}
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				units = []rune{r1, r2}
			}
			for _, u := range units {
				e := fmt.Sprintf(`\u%04x`, u)
				if upper {
					e = `\u` + strings.ToUpper(e[2:])
				}
				echo.WriteString(e)
			}
		}
		line := `{"echo":"` + echo.String() + `"}`
		for range quotes % 3 {
			line = strconv.Quote(line)
		}
		if got := Redact(line, secret); !strings.Contains(got, Redacted) || strings.Contains(got, echo.String()) {
			t.Errorf("secret %q echoed as %q: %q", secret, line, got)
		}
	})
}

// TestRedactBase64Inside: the base64 of a text holding the token (the
// whole Authorization header, a JSON object) hides it, whatever the
// token's alignment in the text, alphabet and padding; what comes before
// it is kept.
func TestRedactBase64Inside(t *testing.T) {
	const tok = "s3cr+t/Qz81n-9xZ?"
	encodings := map[string]*base64.Encoding{"std": base64.StdEncoding, "raw std": base64.RawStdEncoding,
		"URL": base64.URLEncoding, "raw URL": base64.RawURLEncoding}
	texts := map[string]string{
		"Bearer header":                 "Bearer " + tok,            // the token at byte 7: alignment 1
		"Token header, text after":      "Token " + tok + "|exp=1",  // 6: alignment 0
		"apikey header, one byte after": "apikey: " + tok + "!",     // 8: alignment 2
		"JSON object":                   `{"token":"` + tok + `"}`,  // 10: alignment 1
		"JSON object, one more space":   `{"token": "` + tok + `"}`, // 11: alignment 2
	}
	for tname, text := range texts {
		for ename, enc := range encodings {
			t.Run(tname+"/"+ename, func(t *testing.T) {
				echo := enc.EncodeToString([]byte(text))
				got := Redact(`{"echo":"`+echo+`"}`, tok)
				before := text[:strings.Index(text, tok)/3*3] // whole groups before the token
				if !strings.Contains(got, Redacted) || base64Shows(got, tok) || !strings.Contains(got, enc.EncodeToString([]byte(before))) {
					t.Errorf("echo %q: %q, want the token hidden and %q kept", echo, got, enc.EncodeToString([]byte(before)))
				}
			})
		}
	}
	// A short secret's base64 inside a text is left: its cores would
	// match unrelated text.
	echo := base64.StdEncoding.EncodeToString([]byte("Bearer k3y-12"))
	if got := Redact(echo, "k3y-12"); got != echo {
		t.Errorf("short secret: %q, want %q kept", got, echo)
	}
}

// base64Shows reports whether a base64 run of s (either alphabet), decoded
// from any of its first four characters, holds three bytes in a row of
// secret.
func base64Shows(s, secret string) bool {
	for _, run := range base64Run.FindAllString(s, -1) {
		run = strings.NewReplacer("-", "+", "_", "/").Replace(run)
		for off := range min(4, len(run)) {
			r := run[off:]
			b, _ := base64.RawStdEncoding.DecodeString(r[:len(r)/4*4])
			for i := 0; i+3 <= len(secret); i++ {
				if bytes.Contains(b, []byte(secret[i:i+3])) {
					return true
				}
			}
		}
	}
	return false
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]+`)

// TestRedactBase64InsideEscaped: the base64 of a JSON object that holds
// the token JSON-escaped (a `"` or `\` in it) or escaped as Java's Gson
// writes it ("=", "'", "<", ">", "&" as lower-case \u escapes) hides the
// token, at each of its three alignments and in either alphabet.
func TestRedactBase64InsideEscaped(t *testing.T) {
	gson := strings.NewReplacer("=", `\u003d`, "'", `\u0027`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`)
	jsonEsc := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	tokens := []struct {
		name, tok string
		escape    func(string) string
	}{
		{"Gson padding", "dG9rZW4tc2VjcmV0MTIz==", gson.Replace},
		{"Gson quote and HTML", "it's<a&b>-s3cretT0ken", gson.Replace},
		{"JSON quote", `s3cr"tT0ken-abcdef`, jsonEsc.Replace},
		{"JSON backslash", `s3cr\tT0ken\abcdef`, jsonEsc.Replace},
	}
	// The token starts at byte 8, 9 or 10 of the object: alignments 2, 0
	// and 1.
	prefixes := []string{`{"key":"`, `{"key": "`, `{"key":  "`}
	encodings := map[string]*base64.Encoding{"std": base64.StdEncoding, "URL": base64.URLEncoding}
	for _, tc := range tokens {
		for _, prefix := range prefixes {
			for ename, enc := range encodings {
				t.Run(fmt.Sprintf("%s/alignment %d/%s", tc.name, len(prefix)%3, ename), func(t *testing.T) {
					text := prefix + tc.escape(tc.tok) + `"}`
					echo := enc.EncodeToString([]byte(text))
					got := Redact(`{"echo":"`+echo+`"}`, tc.tok)
					if !strings.Contains(got, Redacted) || base64Shows(got, tc.tok) {
						t.Errorf("echo of %q: %q, want the token hidden", text, got)
					}
				})
			}
		}
	}
}
