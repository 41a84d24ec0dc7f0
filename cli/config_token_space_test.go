package cli_test

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A token holding a space, from the flag, the environment or the config
// file, is refused before anything runs, exit 2, naming where it was
// given and never its value in any encoding: a token copied with the
// word the Authorization header adds ("Bearer abc…") would go out as
// "Bearer Bearer abc…", refused by the backend after the inject ran. No
// request is sent and no outbox made.
func TestTokenWithASpaceRefused(t *testing.T) {
	const secret = "s3cr3tT0kenZ9q"
	for _, tt := range []struct {
		name  string
		token string // written where the case gives it
		given string // "flag", "env" or "file"
		want  string
	}{
		{"Bearer, config file", "Bearer " + secret, "file", "invalid token (secret) (config file FILE:2): starts with the word Bearer: give the token alone"},
		{"bearer lower case, env", "bearer " + secret, "env", "invalid token (secret) (env INJECTKIT_TOKEN): starts with the word Bearer"},
		{"Token scheme, flag", "Token " + secret, "flag", "invalid token (secret) (--token): holds a space at byte 5: a bearer token has none"},
		{"space inside, config file", secret[:6] + " " + secret[6:], "file", "invalid token (secret) (config file FILE:2): holds a space at byte 6"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newSwitchable(t, 200)
			dir := t.TempDir()
			ob := filepath.Join(dir, "ob.db")
			args := []string{"run", "noop", "--inject-id", "i1", "--target", "127.0.0.1", "--outbox", ob}
			env := map[string]string{}
			file := ""
			switch tt.given {
			case "flag":
				args = append(args, "--token", tt.token, "--backend-url", b.URL)
			case "env":
				env["INJECTKIT_TOKEN"] = tt.token
				args = append(args, "--backend-url", b.URL)
			case "file":
				file = writeFile(t, "c.yaml", "backend_url: "+b.URL+"\ntoken: \""+tt.token+"\"\n")
				args = append(args, "--config", file)
			}
			res := run(t, registry(), env, args...)
			if want := strings.ReplaceAll(tt.want, "FILE", file); res.code != 2 || !strings.Contains(res.stderr, want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, want)
			}
			for _, enc := range []string{secret, base64.StdEncoding.EncodeToString([]byte(tt.token)), url.QueryEscape(tt.token), strings.ReplaceAll(tt.token, " ", "\\u0020")} {
				if strings.Contains(res.stderr+res.stdout, enc) {
					t.Errorf("output shows the token (%q)", enc)
				}
			}
			if got := b.got(); len(got) != 0 {
				t.Errorf("sent %d requests, want none", len(got))
			}
			if _, err := os.Stat(ob); !os.IsNotExist(err) {
				t.Errorf("outbox %s made (%v), want none", ob, err)
			}
		})
	}
}
