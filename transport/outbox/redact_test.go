package outbox

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// tokenForms are the forms a backend echoes a token in: raw, JSON-escaped
// (encoding/json with and without HTML escaping, each also with non-ASCII
// as \uXXXX like Python's json.dumps, PHP's "\/", Go's %q) and URL-encoded
// (Go's query and path escaping, encodeURIComponent, Python's quote; upper
// and lower-case hex).
func tokenForms(tok string) map[string]string {
	jsonInner := func(html bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(tok)
		s := strings.TrimSuffix(b.String(), "\n")
		return s[1 : len(s)-1]
	}
	ascii := func(s string) string { // json.dumps: non-ASCII as \uXXXX (UTF-16)
		var b strings.Builder
		for _, r := range s {
			if r < 0x80 {
				b.WriteRune(r)
				continue
			}
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "\\u%04x", u)
			}
		}
		return b.String()
	}
	// pct percent-encodes every byte but ASCII letters, digits and keep.
	pct := func(keep string) string {
		var b strings.Builder
		for _, c := range []byte(tok) {
			if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0) {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}
	q := strconv.Quote(tok)
	forms := map[string]string{
		"raw": tok, "json": jsonInner(true), "json-nohtml": jsonInner(false), "quoted": q[1 : len(q)-1],
		"json-ascii": ascii(jsonInner(false)), "json-html-ascii": ascii(jsonInner(true)),
		"json-slash": strings.ReplaceAll(jsonInner(true), "/", `\/`),
	}
	for name, enc := range map[string]string{
		"query": url.QueryEscape(tok), "path": url.PathEscape(tok),
		"component": pct("-_.!~*'()"), "python-quote": pct("-_.~/"), "python-quote-safe-none": pct("-_.~"),
	} {
		forms[name] = enc
		forms[name+"-lower"] = regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(enc, strings.ToLower)
	}
	forms["html"] = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(tok)
	forms["base64"] = base64.StdEncoding.EncodeToString([]byte(tok))
	forms["hex"] = hex.EncodeToString([]byte(tok))
	return forms
}

// echoBackend answers every callback with the bearer token it received,
// in each of tokenForms, with status 400 for inject "dead" and 503 for the
// others.
func echoBackend(t testing.TB) string {
	srv := transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		var b strings.Builder
		for name, f := range tokenForms(tok) {
			fmt.Fprintf(&b, "%s=%s\n", name, f)
		}
		if strings.Contains(r.URL.Path, "/dead/") {
			w.WriteHeader(http.StatusBadRequest)
		} else {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, b.String())
	})
	return srv.URL
}

// testableToken reports whether tok can be checked: a token the client
// accepts (httpx.TokenProblem), which the server reads back whole, and no
// part of the [REDACTED] mark (which would make it reappear).
func testableToken(tok string) bool {
	return tok != "" && len(tok) <= 64 && httpx.TokenProblem(tok) == "" && !strings.ContainsAny(tok, "[]") &&
		strings.TrimSpace(tok) == tok && !strings.Contains("[REDACTED]", tok)
}

// leaks returns the forms of tok that s holds. A token shorter than 8
// bytes leaks only where a form stands as a word: "t" in "connection" is
// a letter, not the token (httpx.Redact leaves it, see its doc); and of
// its encoded forms only those that stand out do: the hex "78" of a token
// "x" is any number's digits (see httpx.ShortSecret).
func leaks(tok, s string) []string {
	var out []string
	for name, f := range tokenForms(tok) {
		if len(tok) < httpx.ShortSecret && f != tok && len(f) < httpx.ShortSecret && alnum(f) {
			continue
		}
		if strings.Contains(s, f) && (len(tok) >= 8 || standsAlone(s, f)) {
			out = append(out, name)
		}
	}
	return out
}

// alnum reports whether f holds ASCII letters and digits only.
func alnum(f string) bool {
	return !strings.ContainsFunc(f, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
}

// standsAlone reports whether f occurs in s with no letter, digit, '_' or
// non-ASCII byte glued to a side where f itself starts or ends with one.
func standsAlone(s, f string) bool {
	word := func(c byte) bool {
		return c == '_' || c >= 0x80 || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i := strings.Index(s, f); i >= 0; {
		end := i + len(f)
		gluedBefore := i > 0 && word(f[0]) && word(s[i-1])
		gluedAfter := end < len(s) && word(f[len(f)-1]) && word(s[end])
		if !gluedBefore && !gluedAfter {
			return true
		}
		next := strings.Index(s[i+1:], f)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// checkRedacted sends one body rejected for good and one kept through a
// backend echoing tok in every form, either through a Resender with the
// client as Redactor or by Settle with tok in Options.Secrets, and fails
// if any form of tok is in a record's last_error or dead_body, in an error
// returned, or in the error of a line the Resender logged.
func checkRedacted(t *testing.T, base, tok string, viaSecrets bool) {
	client, err := transport.New(base, transport.WithToken(tok), transport.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{}
	if viaSecrets {
		opts.Secrets = []string{tok}
	}
	s := openTemp(t, opts)
	recs, err := s.Put(
		Entry{InjectID: "dead", Phase: "p", BaseURL: base, Body: []byte(`{"phase":"p"}`)},
		Entry{InjectID: "kept", Phase: "p", BaseURL: base, Body: []byte(`{"phase":"p"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string // errors returned and lines logged
	log, logs := testkit.Logger()
	if viaSecrets {
		for _, r := range recs {
			perr := client.PostKeyed(context.Background(), r.InjectID, r.IdempotencyKey, r.ChunkIndex, r.Body)
			_, err := s.Settle(context.Background(), r, perr, 0)
			seen = append(seen, fmt.Sprint(err))
		}
	} else {
		for _, r := range recs {
			_ = s.MarkFailed(r.ID, 0, "", time.Now())
		}
		rs := &Resender{Store: s, Log: log, Client: func(string) (Poster, error) { return client, nil }}
		if res, err := rs.Flush(context.Background()); err != nil || res.Rejected != 1 || res.Failed != 1 {
			t.Fatalf("flush %+v %v", res, err)
		}
	}
	// The error is what a log line holds of the backend's answer (the
	// other fields name the record).
	for _, e := range logs.All() {
		seen = append(seen, fmt.Sprint(e.ContextMap()["error"]))
	}
	if !viaSecrets && logs.Len() != 2 {
		t.Errorf("%d lines logged, want 2", logs.Len())
	}
	list, err := s.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("records %+v %v", list, err)
	}
	for _, r := range list {
		if r.LastError == "" || (r.InjectID == "dead") != (r.State == Dead) {
			t.Errorf("record %+v", r)
		}
		seen = append(seen, r.LastError, r.DeadBody)
	}
	for _, text := range seen {
		if l := leaks(tok, text); len(l) > 0 {
			t.Errorf("token %q in forms %v: %q", tok, l, text)
		}
	}
}

func TestRedactsEchoedToken(t *testing.T) {
	base := echoBackend(t)
	for _, tok := range []string{`tok-Zq81"<&>\x`, "tok-77aa-resend", "a/o?&=+ %!'()*", `tok<&>"'/=`} {
		for _, viaSecrets := range []bool{false, true} {
			t.Run(fmt.Sprintf("%q/secrets=%t", tok, viaSecrets), func(t *testing.T) {
				if !testableToken(tok) {
					t.Fatal("seed not testable")
				}
				checkRedacted(t, base, tok, viaSecrets)
			})
		}
	}
}

// FuzzRedact feeds random tokens through a backend that echoes them raw,
// JSON-escaped and URL-encoded: none may survive in what the outbox keeps,
// returns or logs.
func FuzzRedact(f *testing.F) {
	base := echoBackend(f)
	for _, tok := range []string{`tok-Zq81"<&>\x`, `a\b`, "ä/ö?&=+ %", "\xff\xfe", "x", "<script>"} {
		f.Add(tok, false)
		f.Add(tok, true)
	}
	f.Fuzz(func(t *testing.T, tok string, viaSecrets bool) {
		if !testableToken(tok) {
			t.Skip()
		}
		checkRedacted(t, base, tok, viaSecrets)
	})
}
