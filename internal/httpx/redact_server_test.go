package httpx

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// echoServer starts a loopback server, closed with the test, answering
// every request with status and what answer makes of it.
func echoServer(t *testing.T, status int, answer func(r *http.Request) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer(r)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// errorBody sends one request to url through a Poster of secrets, with
// header, and returns the body of the HTTPError it fails with.
func errorBodyOf(t *testing.T, url string, header http.Header, secrets ...string) string {
	t.Helper()
	p := &Poster{Client: NewDefaultClient(), Attempts: 1, Secrets: secrets}
	_, err := p.Do(context.Background(), Request{Op: "callback", URL: url, Header: header, Body: []byte("{}")})
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("Do: %v, want an *HTTPError", err)
	}
	return he.Body
}

// TestReadErrorBodyStraddle checks that a copy of the token cut by the read
// limit shows none of its characters, wherever the limit cuts it: 40
// copies before it, each redacted to a shorter text, would move its start
// inside the 4 KiB kept (as t80's /strad answer does).
func TestReadErrorBodyStraddle(t *testing.T) {
	const tok = `t80TOKcoreA"b\c/d+e%2Ff&g<h>i=j`
	srv := echoServer(t, http.StatusUnauthorized, func(r *http.Request) string {
		k, _ := strconv.Atoi(r.URL.Query().Get("k"))
		pre := strings.Repeat(tok+" ", 40)
		filler := strings.Repeat("x", maxErrorBody+NewRedactor(tok).longestForm()-k-len(pre))
		return pre + filler + tok + " tail"
	})
	for k := 1; k < len(tok); k++ {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			body := errorBodyOf(t, srv.URL+"/?k="+strconv.Itoa(k), http.Header{"Authorization": {"Bearer " + tok}}, tok)
			if rest := strings.Trim(strings.ReplaceAll(body, Redacted, ""), " x"); rest != "" {
				t.Errorf("body keeps %q of the token", rest)
			}
			if !strings.HasPrefix(body, Redacted+" ") || len(body) > maxErrorBody {
				t.Errorf("body = %q (%d bytes), want the redacted start, at most %d bytes", body[:min(len(body), 40)], len(body), maxErrorBody)
			}
		})
	}
}

// TestRedactTravelForms checks that a secret is redacted in the encodings
// of the forms it travelled in: a server (t80's /b64url, a Shodan endpoint
// or a WAF) echoing the request line in base64 or hex encodes the key as
// the client sent it, query- or path-escaped.
func TestRedactTravelForms(t *testing.T) {
	const key = `t80SHOcoreT"u\v/w+x%y&z‹é>1`
	query := url.Values{"key": {key}, "query": {"port:22"}}.Encode()
	tests := []struct {
		name, target string // target: the request's path and query
		header       http.Header
		echo         func(r *http.Request) string
		secret       string // the secret's part of the echo, which must not show
	}{
		{name: "base64 of the request line, key in the query", target: "/b64url?" + query,
			echo:   func(r *http.Request) string { return b64("GET " + r.URL.RequestURI()) },
			secret: coreOf(base64.StdEncoding, "GET /b64url?key=", url.QueryEscape(key))},
		{name: "base64url of the request line, key in the query", target: "/b64url?" + query,
			echo: func(r *http.Request) string {
				return base64.RawURLEncoding.EncodeToString([]byte("GET " + r.URL.RequestURI()))
			},
			secret: coreOf(base64.RawURLEncoding, "GET /b64url?key=", url.QueryEscape(key))},
		{name: "hex of the request line, key in the query", target: "/hex?" + query,
			echo:   func(r *http.Request) string { return hex.EncodeToString([]byte("GET " + r.URL.RequestURI())) },
			secret: hex.EncodeToString([]byte(url.QueryEscape(key)))},
		{name: "base64 of the path, token in the path", target: "/t/" + url.PathEscape(key) + "/x",
			echo:   func(r *http.Request) string { return b64(r.URL.EscapedPath()) },
			secret: coreOf(base64.StdEncoding, "/t/", url.PathEscape(key))},
		{name: "hex of the Authorization header", target: "/h",
			header: http.Header{"Authorization": {"Bearer " + key}},
			echo:   func(r *http.Request) string { return hex.EncodeToString([]byte(r.Header.Get("Authorization"))) },
			secret: hex.EncodeToString([]byte(key))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := echoServer(t, http.StatusUnauthorized, func(r *http.Request) string {
				return `{"error": "request was ` + tt.echo(r) + `"}`
			})
			body := errorBodyOf(t, srv.URL+tt.target, tt.header, key)
			if strings.Contains(strings.ToLower(body), strings.ToLower(tt.secret)) || !strings.Contains(body, Redacted) {
				t.Errorf("body = %q, want its secret part %q redacted", body, tt.secret)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// coreOf returns the characters of enc(before + secret) that hold bits of
// secret alone.
func coreOf(enc *base64.Encoding, before, secret string) string {
	k := len(before)
	return enc.EncodeToString([]byte(before + secret))[(8*k+5)/6 : 8*(k+len(secret))/6]
}

// TestServerTextWithheld checks that an error answer echoing the token
// split over lines, which no word of it holds whole, is withheld whole
// (t80's /mime answer and its other encodings), and that an ordinary one,
// a hexdump of other bytes included, is shown as it is.
func TestServerTextWithheld(t *testing.T) {
	const tok = `t80TOKcoreA"b\c/d+e%2Ff&g<h>i=j`
	headers := func(r *http.Request) string {
		return "Host: " + r.Host + "\r\nAuthorization: " + r.Header.Get("Authorization") + "\r\n"
	}
	tests := []struct {
		name     string
		echo     func(r *http.Request) string
		withheld bool
	}{
		{name: "MIME base64 of the headers and a hexdump (t80 /mime)", withheld: true, echo: func(r *http.Request) string {
			h := headers(r)
			return "request was:\n" + wrap(b64(h), 76) + "\n\nhexdump:\n" + dump(h, 16, pyLine)
		}},
		{name: "MIME base64 of the headers", withheld: true, echo: func(r *http.Request) string { return wrap(b64(headers(r)), 76) }},
		{name: "base64 wrapped at 12", withheld: true, echo: func(r *http.Request) string { return wrap(b64(tok), 12) }},
		// At 8 bytes a line, no line holds 12 bytes of the token: only
		// the hex digits or the ASCII columns joined do.
		{name: "Python hexdump", withheld: true, echo: func(r *http.Request) string { return dump(headers(r), 16, pyLine) }},
		{name: "Python hexdump, 8 bytes a line", withheld: true, echo: func(r *http.Request) string { return dump(headers(r), 8, pyLine) }},
		{name: "xxd", withheld: true, echo: func(r *http.Request) string { return dump(headers(r), 16, xxdLine) }},
		{name: "xxd -c 8", withheld: true, echo: func(r *http.Request) string { return dump(headers(r), 8, xxdLine) }},
		{name: "hexdump -C, 8 bytes a line", withheld: true, echo: func(r *http.Request) string { return dump(headers(r), 8, canonLine) }},
		{name: "hex bytes only, 8 a line", withheld: true, echo: func(r *http.Request) string {
			return dump(headers(r), 8, func(_ int, b []byte) string { return strings.TrimSpace(pyLine(0, b)[:3*len(b)]) })
		}},
		{name: "raw token split over lines", withheld: true, echo: func(r *http.Request) string { return "bad token:\n" + wrap(tok, 7) }},
		{name: "raw token split by CRLF", withheld: true, echo: func(r *http.Request) string { return "bad token: " + tok[:14] + "\r\n " + tok[14:] }},
		{name: "ordinary error", echo: func(*http.Request) string {
			return "{\"error\": \"invalid token\",\n  \"detail\": \"see https://docs.example/auth\"}\n  at auth.check(auth.go:12)\n"
		}},
		{name: "hexdump of other bytes", echo: func(*http.Request) string {
			return dump("Host: example\r\nAccept: */*\r\nUser-Agent: injectkit\r\n", 16, xxdLine)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var echoed string
			srv := echoServer(t, http.StatusUnauthorized, func(r *http.Request) string {
				echoed = tt.echo(r)
				return echoed
			})
			body := errorBodyOf(t, srv.URL, http.Header{"Authorization": {"Bearer " + tok}}, tok)
			want := echoed
			if tt.withheld {
				want = WithheldText(len(echoed))
			}
			if body != want {
				t.Errorf("body = %q, want %q", body, want)
			}
		})
	}
}

// wrap returns s broken into lines of n characters.
func wrap(s string, n int) string {
	var lines []string
	for len(s) > n {
		lines, s = append(lines, s[:n]), s[n:]
	}
	return strings.Join(append(lines, s), "\n")
}

// dump returns a hexdump of s, width bytes a line, each written by line.
func dump(s string, width int, line func(off int, b []byte) string) string {
	var lines []string
	for off := 0; off < len(s); off += width {
		lines = append(lines, line(off, []byte(s[off:min(off+width, len(s))])))
	}
	return strings.Join(lines, "\n")
}

func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r >= 127 {
			return '.'
		}
		return r
	}, string(b))
}

// pyLine writes a line as t80's echo.py does: bytes.hex(' '), two spaces,
// the printable bytes.
func pyLine(_ int, b []byte) string {
	h := hex.EncodeToString(b)
	var pairs []string
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, " ") + "  " + printable(b)
}

// xxdLine writes a line as xxd does.
func xxdLine(off int, b []byte) string {
	h := hex.EncodeToString(b)
	var groups []string
	for i := 0; i < len(h); i += 4 {
		groups = append(groups, h[i:min(i+4, len(h))])
	}
	return fmt.Sprintf("%08x: %-39s  %s", off, strings.Join(groups, " "), printable(b))
}

// canonLine writes a line as hexdump -C does.
func canonLine(off int, b []byte) string {
	var pairs []string
	for _, c := range b {
		pairs = append(pairs, fmt.Sprintf("%02x", c))
	}
	return fmt.Sprintf("%08x  %-48s |%s|", off, strings.Join(pairs, " "), printable(b))
}

// TestServerTextWithheldJSON checks that an error answer in JSON (Shodan's
// {"error": …}) echoing the token split over lines is withheld whole: its
// line breaks are the escapes \n, \r\n or \u000a, not whitespace, and that
// a JSON error holding no secret is shown as it is.
func TestServerTextWithheldJSON(t *testing.T) {
	const (
		tok20 = "h106tokABCDEFGHIJ123"             // 20 bytes
		tok32 = "h106tokABCDEFGHIJ12345abcdefghij" // 32 bytes
		tok12 = "h106shortAB1"                     // 12 bytes: looked for whole
	)
	jsonError := func(msg string) string {
		b, err := json.Marshal(map[string]string{"error": msg})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// This host puts no 16 base64 characters of the token on one line.
	mime := wrap(b64("Host: example.test:8443\r\nAuthorization: Bearer "+tok20+"\r\n"), 76)
	tests := []struct {
		name, body, secret string
		withheld           bool
	}{
		{name: "20-byte token over two lines", body: jsonError("bad token:\n" + tok20[:10] + "\n" + tok20[10:]), secret: tok20, withheld: true},
		{name: "32-byte token wrapped at 7", body: jsonError(wrap(tok32, 7)), secret: tok32, withheld: true},
		{name: "32-byte token wrapped at 10", body: jsonError(wrap(tok32, 10)), secret: tok32, withheld: true},
		{name: "32-byte token wrapped at 11", body: jsonError(wrap(tok32, 11)), secret: tok32, withheld: true},
		{name: "MIME base64 of the headers", body: jsonError(mime), secret: tok20, withheld: true},
		{name: "MIME base64 of the headers, CRLF", body: jsonError(strings.ReplaceAll(mime, "\n", "\r\n")), secret: tok20, withheld: true},
		{name: "12-byte token split in two", body: `{"error":"tok ` + tok12[:6] + `\n` + tok12[6:] + `"}`, secret: tok12, withheld: true},
		{name: "line breaks as \\u000a", body: `{"error":"` + tok20[:10] + `\u000a` + tok20[10:] + `"}`, secret: tok20, withheld: true},
		{name: "quoted twice", body: jsonError(jsonError(wrap(tok32, 10))), secret: tok32, withheld: true},
		{name: "no secret", body: jsonError("invalid token:\nsee https://docs.example/auth\n\tat auth.check"), secret: tok32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.body
			if tt.withheld {
				want = WithheldText(len(tt.body))
			}
			if got := ReadErrorBody(strings.NewReader(tt.body), tt.secret); got != want {
				t.Errorf("ReadErrorBody(%q) = %q, want %q", tt.body, got, want)
			}
		})
	}
}

// TestReadErrorBodyWithheldLength checks that an error answer withheld
// tells the length of the text looked at, the one ServerText was given:
// all of a short answer, the first 4 KiB of a long one, not the bytes
// read past them to find a secret's end.
func TestReadErrorBodyWithheldLength(t *testing.T) {
	const tok = "h106tokABCDEFGHIJ12345abcdefghij"
	echo := "bad token:\n" + wrap(tok, 7) + "\n"
	tests := []struct {
		name, body string
		want       int
	}{
		{name: "short answer", body: echo, want: len(echo)},
		{name: "long answer", body: echo + strings.Repeat("x", 3*maxErrorBody), want: maxErrorBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadErrorBody(strings.NewReader(tt.body), tok); got != WithheldText(tt.want) {
				t.Errorf("ReadErrorBody = %q, want %q", got, WithheldText(tt.want))
			}
		})
	}
}

// TestReadErrorBodyLongestForm checks that a secret starting in the first
// 4 KiB of an error answer, written in its longest form (each character
// of its query-escaped form an HTML hex reference: 18 bytes a byte of an
// escaped character), is read whole and redacted, wherever the 4 KiB cut
// it, never its start shown, and a marker the cut would split dropped whole
// ("[REDAC" would read as the server's text).
func TestReadErrorBodyLongestForm(t *testing.T) {
	const secret = `"/+&=%<>?#"/+&=%<>?#`
	var form strings.Builder
	for _, c := range []byte(url.QueryEscape(secret)) {
		fmt.Fprintf(&form, "&#x%02x;", c)
	}
	for _, k := range []int{1, 30, 2 * len(secret), 6 * len(secret)} {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			head := strings.Repeat("x", maxErrorBody-k)
			body := head + form.String() + strings.Repeat("x", 2*maxErrorBody)
			// A marker the 4 KiB cut would split is dropped whole.
			want := head + Redacted
			if len(want) > maxErrorBody {
				want = head
			}
			if got := ReadErrorBody(strings.NewReader(body), secret); got != want {
				t.Errorf("ReadErrorBody ends with %q, want %q", got[max(0, len(got)-40):], want[max(0, len(want)-40):])
			}
		})
	}
}
