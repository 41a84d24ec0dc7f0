// Package cloudscantest holds what the tests of a binary serving the
// cloudscan injector need to run it against a loopback AWS endpoint
// rather than AWS: an AWS SDK environment of the test's own (Isolate:
// static keys, no profile, session token, default endpoint, instance
// metadata or shared file of the machine's) and an endpoint that records
// the User-Agent of each call (NewAgents), the header a CloudTrail trail
// logs. cloudscan's own tests use the fuller AWS stand-in beside them;
// this package serves the binaries' tests outside it (cmd/injectkit,
// examples/hello), which kept a copy each.
package cloudscantest

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Isolate sets, for the test (t.Setenv), the AWS SDK's environment to the
// static keys of a test account, with no session token, profile, default
// endpoint or instance metadata, and shared config and credentials files
// in dir that are not there: the SDK reads nothing of the machine's.
func Isolate(t testing.TB, dir string) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIACLOUDSCANTEST001", "AWS_SECRET_ACCESS_KEY": "cloudscantest-secret",
		"AWS_SESSION_TOKEN": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
}

// Agents is a loopback AWS endpoint (URL, for cloudscan's endpoint_url
// setting) that answers each call 503 and records its User-Agent.
type Agents struct {
	URL  string
	mu   sync.Mutex
	seen []string
}

// NewAgents starts an Agents endpoint, closed with the test.
func NewAgents(t testing.TB) *Agents {
	a := &Agents{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen = append(a.seen, r.Header.Get("User-Agent"))
		a.mu.Unlock()
		http.Error(w, "", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

// Want fails t unless a call reached the endpoint and each call's
// User-Agent holds want; stderr, the run's, is shown when none did. It is
// called once the run is over.
func (a *Agents) Want(t testing.TB, want, stderr string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ua := range a.seen {
		if !strings.Contains(ua, want) {
			t.Errorf("User-Agent %q, want %s in it", ua, want)
		}
	}
	if len(a.seen) == 0 {
		t.Fatalf("no call reached the AWS stand-in; stderr %s", stderr)
	}
}
