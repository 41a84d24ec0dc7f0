package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

type webParams struct {
	Path string `json:"path"`
	Port int    `json:"port"`
}

// web has params and settings: a plain one, a secret one, and one with
// no environment variable.
type web struct{ idle }

func (web) NewParams() any { return &webParams{Path: "/", Port: 80} }
func (web) Manifest() framework.Manifest {
	return framework.Manifest{Name: "web", Category: framework.Network, Settings: []framework.Setting{
		{Key: "user_agent", Env: "WEB_USER_AGENT", Default: "injectkit", Doc: "User-Agent header"},
		{Key: "api_key", Env: "WEB_API_KEY", Secret: true, Doc: "API key"},
		{Key: "proxy_host", Doc: "proxy host"},
	}}
}

// A setting given as --param, its name in any case and with any
// separator, is refused, exit 2, saying where a setting is given; a setting's value is never quoted (it may be a secret).
func TestParamNamingASetting(t *testing.T) {
	reg := withFake("web", web{})
	tests := []struct {
		param string
		want  string
	}{
		{"user_agent=x", `invalid param "user_agent" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`user_agent is a setting of web: give it as env WEB_USER_AGENT or web.user_agent in the config file`},
		{"api_key=s3cr3t-value", `invalid param "api_key" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`api_key is a setting of web: give it as env WEB_API_KEY or web.api_key in the config file`},
		{"proxy_host=p", `proxy_host is a setting of web: give it as web.proxy_host in the config file`},
		{"user-agent=x", `invalid param "user-agent" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`user_agent is a setting of web: give it as env WEB_USER_AGENT or web.user_agent in the config file`},
		{"apiKey=s3cr3t-value", `apiKey" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`api_key is a setting of web: give it as env WEB_API_KEY or web.api_key in the config file`},
		{"Proxy.Host=p", `proxy_host is a setting of web: give it as web.proxy_host in the config file`},
		{"colour=red", `invalid param "colour" (value withheld) (--param): unknown parameter (known: path, port)`},
	}
	for _, cmd := range []string{"run", "validate"} {
		for _, tt := range tests {
			t.Run(cmd+" "+tt.param, func(t *testing.T) {
				r := run(t, reg, nil, cmd, "web", "--target", "127.0.0.1", "--param", tt.param)
				checkRefused(t, r, tt.want)
				if strings.Contains(r.stdout+r.stderr, "s3cr3t") {
					t.Errorf("the secret's value is shown:\nstdout %s\nstderr %s", r.stdout, r.stderr)
				}
				if strings.HasPrefix(tt.param, "colour") && strings.Contains(r.stderr, "is a setting") {
					t.Errorf("a param naming no setting is called one: %s", r.stderr)
				}
			})
		}
	}
}
