package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// `injectkit injectors` shows the value of a setting that is not a secret
// redacted of every secret the process knows, in text and JSON, in the
// encodings the redactor knows: a secret pasted into a URL setting was
// printed whole (`set to "http://127.0.0.1:1/KEY/"`).
func TestInjectorsRedactSecretsInSettingValues(t *testing.T) {
	t.Parallel()
	const token = "tok-0123456789"
	conf := writeFile(t, "c.yaml", "token: file-tok-0123456789\nquery:\n  shodan_base_url: http://127.0.0.1:1/file-tok-0123456789/\n")
	for _, tt := range []struct {
		name   string
		env    map[string]string
		args   []string
		secret string
		want   string // shodan_base_url's value as shown
	}{
		{"its own secret, short", map[string]string{"INJECTKIT_SHODAN_API_KEY": "KEY", "INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1/KEY/"},
			nil, "/KEY/", "http://127.0.0.1:1/[REDACTED]/"},
		{"the token", map[string]string{"INJECTKIT_TOKEN": token, "INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1/" + token + "/"},
			nil, token, "http://127.0.0.1:1/[REDACTED]/"},
		{"the token in base64", map[string]string{"INJECTKIT_TOKEN": token,
			"INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1/" + base64.StdEncoding.EncodeToString([]byte(token)) + "/"},
			nil, base64.StdEncoding.EncodeToString([]byte(token)), "http://127.0.0.1:1/[REDACTED]/"},
		{"another injector's secret", map[string]string{"DEMO_TOKEN": "demo-s3cret-value", "INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1/demo-s3cret-value/"},
			nil, "demo-s3cret-value", "http://127.0.0.1:1/[REDACTED]/"},
		{"the backend URL's password", map[string]string{"INJECTKIT_BACKEND_URL": "http://u:pw-s3cret-value@127.0.0.1:1",
			"INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1/pw-s3cret-value/"}, nil, "pw-s3cret-value", "http://127.0.0.1:1/[REDACTED]/"},
		{"the config file's token", nil, []string{"--config", conf}, "file-tok-0123456789", "http://127.0.0.1:1/[REDACTED]/"},
		{"no secret in it", map[string]string{"INJECTKIT_TOKEN": token, "INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:1/api/"},
			nil, "", "http://127.0.0.1:1/api/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, args := range [][]string{{"injectors", "query"}, {"injectors", "query", "-o", "json"}, {"injectors", "-o", "json"}} {
				r := run(t, registry(withQuery, withDemo), tt.env, append(args, tt.args...)...)
				if r.code != 0 {
					t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
				}
				if tt.secret != "" && strings.Contains(r.stdout, tt.secret) {
					t.Errorf("%v shows the secret %q:\n%s", args, tt.secret, r.stdout)
				}
				if len(args) == 2 { // text
					if !strings.Contains(strings.Join(strings.Fields(r.stdout), ""), `setto"`+tt.want+`"`) {
						t.Errorf("%v: want the value shown as %q:\n%s", args, tt.want, r.stdout)
					}
					continue
				}
				if got := shownBaseURL(t, r.stdout, len(args) == 3); got != tt.want {
					t.Errorf("%v: shodan_base_url's value %q, want %q", args, got, tt.want)
				}
			}
		})
	}
}

// shownBaseURL is query's shodan_base_url value in the JSON of injectors
// (one, or the listing).
func shownBaseURL(t *testing.T, out string, listing bool) string {
	t.Helper()
	type injector struct {
		Name     string `json:"name"`
		Settings []struct {
			Key   string  `json:"key"`
			Value *string `json:"value"`
		} `json:"settings"`
	}
	var list []injector
	if listing {
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
	} else {
		list = make([]injector, 1)
		if err := json.Unmarshal([]byte(out), &list[0]); err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
	}
	for _, in := range list {
		for _, s := range in.Settings {
			if in.Name == "query" && s.Key == "shodan_base_url" && s.Value != nil {
				return *s.Value
			}
		}
	}
	t.Fatalf("no query.shodan_base_url value in:\n%s", out)
	return ""
}

// A setting `injectors` refuses is quoted redacted of the process's
// secrets, as validate quotes it: it was quoted whole
// (`invalid query.shodan_base_url "ftp://127.0.0.1/tok-0123456789/"`).
func TestInjectorsRefusalRedactsSecrets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		env    map[string]string
		secret string
	}{
		{"the token", map[string]string{"INJECTKIT_TOKEN": "tok-0123456789", "INJECTKIT_SHODAN_BASE_URL": "ftp://127.0.0.1/tok-0123456789/"},
			"tok-0123456789"},
		{"its own secret", map[string]string{"INJECTKIT_SHODAN_API_KEY": "KEY0123456789", "INJECTKIT_SHODAN_BASE_URL": "ftp://127.0.0.1/KEY0123456789/"},
			"KEY0123456789"},
		{"another injector's secret", map[string]string{"DEMO_TOKEN": "demo-s3cret-value", "INJECTKIT_SHODAN_BASE_URL": "ftp://127.0.0.1/demo-s3cret-value/"},
			"demo-s3cret-value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, output := range []string{"text", "json"} {
				r := run(t, registry(withQuery, withDemo), tt.env, "injectors", "query", "-o", output)
				want := `invalid query.shodan_base_url "ftp://127.0.0.1/[REDACTED]/" (env INJECTKIT_SHODAN_BASE_URL): scheme must be http or https`
				if r.code != cli.ExitUsage || r.stderr != "injectkit: "+want+"\n" || strings.Contains(r.stderr, tt.secret) {
					t.Errorf("%s: exit %d, stderr:\n%s\nwant exit %d and: injectkit: %s", output, r.code, r.stderr, cli.ExitUsage, want)
				}
			}
		})
	}
}
