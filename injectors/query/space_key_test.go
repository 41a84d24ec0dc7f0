package query

import (
	"strings"
	"testing"
)

// TestKeyHoldingASpaceRefused: a Shodan API key is one word (32 letters
// and digits), and a key holding white space inside it (two pasted
// halves, "key: ABC…" copied with its label, a key and a comment) was
// sent all the same: Shodan answers 401, after the inject ran and
// reported its failure (exit 3). It is refused before anything is sent,
// exit 2, naming where it was given and the byte, never the key, as a
// token holding a space is.
func TestKeyHoldingASpaceRefused(t *testing.T) {
	for _, tt := range []struct {
		name, env, config, where, want string
	}{
		{"space, from the environment", testKey[:7] + " " + testKey[7:], "", "(env INJECTKIT_SHODAN_API_KEY)", "holds a space at byte 7"},
		{"label copied with it", "key: " + testKey, "", "(env INJECTKIT_SHODAN_API_KEY)", "holds a space at byte 4"},
		{"no-break space", testKey[:3] + "\u00a0" + testKey[3:], "", "(env INJECTKIT_SHODAN_API_KEY)", "holds a space (U+00A0) at byte 3"},
		{"from the config file", "", "query:\n  shodan_api_key: \"" + testKey[:9] + " " + testKey[9:] + "\"\n", "(config file ",
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
