package cli_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// proxyPass is the password of the proxy the tests' environment names.
const proxyPass = "Pr0xy+S3cret/Pass="

// proxied is an injector whose library quotes its proxy's refusal, the
// credentials it was sent in it (as an SDK shows a proxy's error answer
// shaped as the service's), in its error message.
type proxied struct{}

func (proxied) Manifest() framework.Manifest {
	return framework.Manifest{Name: "proxied", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection},
		Outputs:      []framework.Output{{Type: "text", Field: "summary"}}}
}

func (proxied) Execute(_ context.Context, _ *framework.Inject) framework.ToolOutput {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + proxyPass))
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1,
		Message: "api error ProxyDenied: proxy refused credentials alice:" + proxyPass + " (Basic " + basic + ")"}}
}

// The credentials of the proxy HTTPS_PROXY (or HTTP_PROXY) names are a
// secret as the token is: an injector's error quoting them, as a proxy's
// answer gave them to its library, shows them neither in the log lines
// and the error run exits with, nor in the platform's calls (the
// terminal callback's message). net/http reads them from the process's
// environment, as the injectors' libraries do: so does the test.
func TestProxyCredentialsNeverShown(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("proxied", func() framework.Executor { return proxied{} })
	})
	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + proxyPass))
	for _, name := range []string{"HTTPS_PROXY", "http_proxy"} {
		for _, value := range []string{"http://alice:Pr0xy%2BS3cret%2FPass%3D@127.0.0.1:3128", "alice:Pr0xy%2BS3cret%2FPass%3D@127.0.0.1:3128"} {
			var env map[string]string
			shows := func(t *testing.T, where, s string) {
				t.Helper()
				for _, form := range []string{proxyPass, basic} {
					if strings.Contains(s, form) {
						t.Errorf("%s shows the proxy's credentials (%q):\n%s", where, form, s)
					}
				}
			}
			t.Run(name+"="+value+"/logs", func(t *testing.T) {
				t.Setenv(name, value) // net/http reads the process's environment
				r := run(t, reg, env, "run", "proxied", "--target", "127.0.0.1", "-o", "json", "--outbox", "none")
				if !strings.Contains(r.stderr, "ProxyDenied") {
					t.Fatalf("exit %d, the injector's error not logged:\n%s", r.code, r.stderr)
				}
				shows(t, "stderr", r.stderr)
			})
			t.Run(name+"="+value+"/openaev profile", func(t *testing.T) {
				t.Setenv(name, value)
				p := openaevtest.NewPlatform(t, platformToken)
				registered(t, p, platformToken, reg)
				p.AddInject("inj-proxied", openaev.ContractID("proxied"))
				r := run(t, reg, env, "run", "proxied", "--target", "127.0.0.1", "--profile", "openaev", "--inject-id", "inj-proxied",
					"--backend-url", p.URL, "--token", platformToken, "--outbox", "none")
				calls := p.Calls("inj-proxied")
				if len(calls) < 2 {
					t.Fatalf("exit %d, calls %s:\n%s", r.code, callKinds(calls), r.stderr)
				}
				all := callBodies(calls)
				if !strings.Contains(all, "ProxyDenied") {
					t.Fatalf("the platform got no error message:\n%s", all)
				}
				shows(t, "the platform's calls", all)
				shows(t, "stderr", r.stderr)
			})
		}
	}
}
