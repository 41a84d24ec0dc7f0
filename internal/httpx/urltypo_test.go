package httpx

import (
	"fmt"
	"strings"
	"testing"
)

// typoSecret is the password of the URLs of the typo tests: two words, so
// that a password cut anywhere still shows one of them.
const typoHead, typoTail = "S3cr3tUinfo", "W0rd96x"

// typoPrefixes are the ways a URL's start is mistyped, and written right.
var typoPrefixes = []string{
	"http//", "http:/", "http:///", "http:", "http:\\\\", "htp://", "HTTP//", "https//", "//", "", "ftp://",
	"http://", "https://", " http://", "http ://", "http://me@corp.example:12/",
}

// typoUsers are user information around the password, written right or
// with a character that ends it early.
var typoUsers = []string{"u:%s", "%s", "u:%s/x", "u:x/%s", "u:%s?x", "u:%s#x", "u:%s@x", "me@corp:%s", "u:%s%%zz", "u:%s%%41", "u:%s x"}

// typoTails are what follows the '@'.
var typoTails = []string{"127.0.0.1:1", "127.0.0.1:1/api", "[::1]:1", "[::1", "h:abc", "h/?k=v", "h#f", "h/a@b", "h:1 x", ""}

// leaked reports whether s shows a piece of the password, in any
// encoding the redactor knows.
func leaked(s string, r *Redactor) bool {
	low := strings.ToLower(s)
	return strings.Contains(low, strings.ToLower(typoHead)) || strings.Contains(low, strings.ToLower(typoTail)) ||
		r.Redact(s) != s
}

// Whatever shape a mistyped URL has, the text an error quotes it with,
// and the reason ParseBaseURL gives, show nothing of its password: an '@'
// url.Parse did not read as user information is masked up to the last
// one.
func TestURLTypoShapesShowNoPassword(t *testing.T) {
	secret := typoHead + typoTail
	r := NewRedactor(secret)
	for _, p := range typoPrefixes {
		for _, user := range typoUsers {
			for _, tail := range typoTails {
				raw := p + fmt.Sprintf(user, secret) + "@" + tail
				checkTypo(t, raw, r)
			}
		}
	}
}

// r16 L3: with no '@' after it, a password whose user name lost its '@'
// reads as the host's port ("http://u:S3cr3t"), or, with an '@' before
// it, as the port of the host after that '@': a port that is not a number
// is never shown (a password alone, "http://S3cr3t", reads as a host
// name, which is shown; a password with a '/', '?' or '#' and no '@'
// after it is a path, a query or a fragment, as a URL's own are).
func TestURLTypoPortShowsNoPassword(t *testing.T) {
	secret := typoHead + typoTail
	r := NewRedactor(secret)
	for _, p := range typoPrefixes {
		if strings.Contains(p, "@") {
			continue // the password in the path of a host given before it
		}
		for _, user := range []string{"u:%s", "me@corp:%s", "u:%s%%zz", "u:%s%%41", "u:%s x"} {
			checkTypo(t, p+fmt.Sprintf(user, secret), r)
		}
	}
}

func checkTypo(t *testing.T, raw string, r *Redactor) {
	t.Helper()
	shown := []string{StripCredentials(raw), StripCredentials(raw, "query", "k"), MaskURL(raw)}
	if _, err := ParseBaseURL(raw); err != nil {
		shown = append(shown, err.Error())
	}
	for _, s := range shown {
		if leaked(s, r) {
			t.Errorf("%q is shown as %q", raw, s)
		}
	}
}

// The shapes a reader must still recognise are shown masked, not as
// "(unparsable URL)".
func TestURLTypoShapesStayReadable(t *testing.T) {
	for raw, want := range map[string]string{
		"http//u:" + typoHead + "@127.0.0.1:1":   "http//REDACTED@127.0.0.1:1",
		"http:/u:" + typoHead + "@127.0.0.1:1":   "http:/REDACTED@127.0.0.1:1",
		"http:///u:" + typoHead + "@127.0.0.1:1": "http:///REDACTED@127.0.0.1:1",
		"HTTP//" + typoHead + "@[::1]:1/api":     "HTTP//REDACTED@[::1]:1/api",
		"u:" + typoHead + "@127.0.0.1:1":         "REDACTED@127.0.0.1:1",
		"ftp://u:" + typoHead + "@127.0.0.1:1":   "ftp://REDACTED@127.0.0.1:1",
	} {
		if got := MaskURL(raw); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// FuzzURLTypoShowsNoPassword: a password between any start and any end
// is never shown by the quoting of a refused URL.
func FuzzURLTypoShowsNoPassword(f *testing.F) {
	for _, p := range typoPrefixes {
		for _, tail := range typoTails {
			f.Add(p, "u:", "", tail)
		}
	}
	f.Add("http//", "u:", "/?#@", "h")
	f.Fuzz(func(t *testing.T, prefix, user, mid, tail string) {
		secret := typoHead + mid + typoTail
		r := NewRedactor(secret)
		for _, s := range []string{prefix, user, mid, tail} {
			if leaked(s, r) {
				t.Skip() // the password is in what surrounds it
			}
		}
		checkTypo(t, prefix+user+secret+"@"+tail, r)
	})
}
