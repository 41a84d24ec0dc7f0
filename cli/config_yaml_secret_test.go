package cli_test

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// yamlSecret is the secret the config files of the tests below give: one
// a user pasted starting with a character YAML reads as syntax (an alias's
// *, a tag's !, an anchor's &).
const yamlSecret = "Zq9SecretValue77"

// A secret whose first character YAML reads as syntax (`token: *Zq9…`,
// an alias; `token: !Zq9…`, a tag; `token: &Zq9…`, an anchor) is refused,
// exit 2, naming the file, the line and what to do (quote it), never the
// secret, in any encoding: the YAML decoder's own words quote an alias's
// anchor and a tag, and an anchor with no value after it would leave the
// key unset without a word. Nothing is sent, no outbox is created.
func TestConfigFileSecretReadAsYAMLSyntax(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"token an alias", "token: *" + yamlSecret + "\n", ":1: yaml: an alias (a value starting with *) names no anchor"},
		{"alias in a list", "target: [127.0.0.1]\nbackend_url: URL\ntoken: [*" + yamlSecret + "]\n",
			":3: yaml: an alias (a value starting with *) names no anchor"},
		{"token a local tag", "token: !" + yamlSecret + "\n", "invalid token (config file CONF:1): a YAML tag"},
		{"token a local tag and text", "token: !" + yamlSecret + " more\n", "invalid token (config file CONF:1): a YAML tag"},
		{"token a standard-handle tag", "token: !!" + yamlSecret + "\n", "invalid token (config file CONF:1): a YAML tag"},
		{"shodan key a tag", "query:\n  shodan_api_key: !" + yamlSecret + "\n",
			"invalid query.shodan_api_key (config file CONF:2): a YAML tag"},
		{"token an anchor alone", "token: &" + yamlSecret + "\n",
			"invalid token (config file CONF:1): an anchor (a value starting with &) with no value"},
		{"shodan key an anchor alone", "query.shodan_api_key: &" + yamlSecret + "\n",
			"invalid query.shodan_api_key (config file CONF:1): an anchor (a value starting with &) with no value"},
	}
	forms := []string{yamlSecret, yamlSecret[:10], base64.StdEncoding.EncodeToString([]byte(yamlSecret))[:12],
		hex.EncodeToString([]byte(yamlSecret))[:12], url.QueryEscape(yamlSecret)}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				be := transporttest.NewBackend(t)
				dir := t.TempDir()
				conf := filepath.Join(dir, "c.yaml")
				if err := os.WriteFile(conf, []byte(strings.ReplaceAll(tt.yaml, "URL", be.URL)), 0o600); err != nil {
					t.Fatal(err)
				}
				outbox := filepath.Join(dir, "ob.db")
				r := run(t, registry(withQuery), nil, cmd, "noop", "--config", conf, "--target", "127.0.0.1",
					"--backend-url", be.URL, "--inject-id", "inj-yaml", "--outbox", outbox)
				want := strings.ReplaceAll(tt.want, "CONF", conf)
				if r.code != 2 || !strings.Contains(r.stderr, want) {
					t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
				}
				for _, form := range forms {
					if strings.Contains(r.stdout+r.stderr, form) {
						t.Errorf("the secret shows as %q:\n%s", form, r.stderr)
					}
				}
				if n := len(be.Requests()); n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
				if _, err := os.Stat(outbox); !os.IsNotExist(err) {
					t.Errorf("outbox %s: %v, want none created", outbox, err)
				}
			})
		}
	}
}
