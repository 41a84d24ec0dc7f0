package cloudscan

import (
	"os"
	"strings"
	"testing"
)

// TestMain cuts every test of the package off the instance metadata
// service (169.254.169.254), which the SDK's credential chain tries when
// nothing else gives credentials, whether or not the test calls
// setAWSEnv: tests reach loopback only. And every request to any other
// host goes to a proxy on a closed loopback port (loopback itself is
// never proxied), set before the first request reads the variables: a
// call the SDK would send to AWS's own endpoint (one the endpoint setting
// did not reach) fails there, not on the network. AWS_CA_BUNDLE is
// unset: a machine's own (a system bundle of 150 certificates) was
// checked by every Configure and parsed again by the SDK with every
// inject, half the package's CPU under -race; the tests of the CA bundle
// set their own. So are the endpoints of the user's environment
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS): a test without the endpoint
// setting would send there, past the stand-in; the tests of them set
// their own. The test binary started again on a terminal
// (TestCredentialProcessPromptsOnTheTerminal) exits at once, not after
// the race detector's second of atexit_sleep_ms, a GORACE of the user's
// own still read after ours.
func TestMain(m *testing.M) {
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Unsetenv("AWS_CA_BUNDLE")
	for _, k := range []string{"HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"} {
		os.Setenv(k, "http://127.0.0.1:9")
	}
	os.Unsetenv("NO_PROXY")
	os.Unsetenv("no_proxy")
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_ENDPOINT_URL") || k == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}
