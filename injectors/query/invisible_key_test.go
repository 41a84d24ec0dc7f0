package query

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// TestInvisibleCharacterInKeyRefused: a key read from a file saved with
// a byte order mark (export INJECTKIT_SHODAN_API_KEY="$(cat key.txt)"),
// or pasted from a web page with a zero-width space, looks right wherever
// it is printed, yet Shodan refuses it: the run sent a request and failed
// with "invalid or unauthorised API key (HTTP 401)", the user left
// checking a key that reads correctly. It is refused before anything is
// sent, exit 2, naming where it was given and the character, never the
// key, as a control character is (TestConfigure). So is a key holding
// white space inside it (two pasted halves, a label copied with it): a
// key is one word, 32 letters and digits, and one with a space was sent,
// Shodan's 401 coming after the inject ran (exit 3).
func TestInvisibleCharacterInKeyRefused(t *testing.T) {
	const env = "(env INJECTKIT_SHODAN_API_KEY)"
	for _, tt := range []struct {
		name, env, config, where, want string
	}{
		{"byte order mark, from the environment", "\ufeff" + testKey, "", env, "non-printable character U+FEFF"},
		{"zero-width space, from the environment", testKey[:6] + "\u200b" + testKey[6:], "", env, "non-printable character U+200B"},
		{"line separator, from the environment", testKey + "\u2028x", "", env, "non-printable character U+2028"},
		{"zero-width joiner, from the config file", "", "query:\n  shodan_api_key: \"" + testKey + "\\u200d\"\n", "(config file ",
			"non-printable character U+200D"},
		{"space, from the environment", testKey[:7] + " " + testKey[7:], "", env, "holds a space at byte 7: a Shodan API key is one word"},
		{"label copied with it", "key: " + testKey, "", env, "holds a space at byte 4"},
		{"no-break space", testKey[:3] + "\u00a0" + testKey[3:], "", env, "holds a space (U+00A0) at byte 3"},
		{"space, from the config file", "", "query:\n  shodan_api_key: \"" + testKey[:9] + " " + testKey[9:] + "\"\n", "(config file ",
			"holds a space at byte 9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			env := keyEnv(t, srv.URL, tt.env, tt.config, "injectkit.yaml")
			code, out, errs := runCLI(t, Name, env, "injectkit", "run", "query", "--query", "port:22", "-o", "json")
			shown := out.String() + errs.String()
			if code != 2 || len(srv.Requests()) != 0 {
				t.Fatalf("exit %d after %d requests; want 2 before any\n%s", code, len(srv.Requests()), shown)
			}
			want := "invalid query.shodan_api_key (secret) " + tt.where
			if !strings.Contains(errs.String(), want) || !strings.Contains(errs.String(), tt.want) {
				t.Errorf("stderr does not say %q and %q:\n%s", want, tt.want, errs.String())
			}
			for _, piece := range []string{testKey[:7], testKey[len(testKey)-10:]} {
				if strings.Contains(shown, piece) {
					t.Errorf("the key is shown (%q):\n%s", piece, shown)
				}
			}
		})
	}
}

// TestControlCharacterInKeyNamed: a key holding a control character (a
// carriage return inside it, a pasted escape) was refused as "holds a
// control character", without saying which nor where, where a token's
// refusal names it: it is named by its code point and byte, the key
// withheld.
func TestControlCharacterInKeyNamed(t *testing.T) {
	for key, want := range map[string]string{
		testKey[:5] + "\r" + testKey[5:]:     "holds a control character, U+000D at byte 5",
		"\x1b[2J" + testKey:                  "holds a control character, U+001B at byte 0",
		testKey[:3] + "\u0085" + testKey[3:]: "holds a control character, U+0085 at byte 3",
	} {
		err := New().Configure(map[string]string{SettingShodanAPIKey: key})
		var ve *signatures.ValidationError
		if !errors.As(err, &ve) || !ve.Withheld || ve.Reason != want {
			t.Errorf("Configure(%q): %v, want %q, the key withheld", key, err, want)
		}
		if err != nil && strings.Contains(err.Error(), testKey[len(testKey)-10:]) {
			t.Errorf("the key is shown: %v", err)
		}
	}
}
