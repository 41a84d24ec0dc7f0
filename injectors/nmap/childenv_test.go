//go:build unix

package nmap

import (
	"context"
	"os"
	"strings"
	"testing"
)

// nmap run by Execute inherits none of what the framework withholds from a
// child (framework.Inject.ChildEnv): a third-party injector's Secret
// setting, whatever its name, and a proxy URL carrying a password, which
// nmap does not read. Before, only the INJECTKIT_ and AWS_ prefixes were
// taken out, and ACME_API_KEY or HTTPS_PROXY=http://u:pass@… reached
// nmap's environment (its /proc/PID/environ, its core dumps).
func TestExecuteEnvironmentHoldsNoSecretOfTheFramework(t *testing.T) {
	dir := fakeNmap(t, `env >"$DIR/env"`)
	tests := []struct {
		key, value string
		kept       bool
	}{
		{"ACME_API_KEY", "acme-s3cret", false},  // another injector's Secret setting
		{"ACME_ENDPOINT", "https://acme", true}, // its setting that is no secret
		{"HTTPS_PROXY", "http://u:pr0xy-pass@127.0.0.1:3128", false},
		{"http_proxy", "http://pr0xy-token@127.0.0.1:3128", false}, // the user alone, a token
		{"ALL_PROXY", "socks5://u:pr0xy-pass@127.0.0.1:1080", false},
		{"NO_PROXY", "127.0.0.1,localhost", true},
		{"https_proxy", "http://127.0.0.1:3128", true}, // no credentials: harmless
		{"INJECTKIT_TOKEN", "tok-0123456789", false},
		{"LANG", "C.UTF-8", true},
	}
	for _, tt := range tests {
		t.Setenv(tt.key, tt.value)
	}
	in, _ := newInject(t, nil, "127.0.0.1")
	in.SecretEnv = []string{"ACME_API_KEY", "INJECTKIT_SHODAN_API_KEY"}
	New().Execute(context.Background(), in)
	got, raw := envWritten(t, dir)
	for _, tt := range tests {
		if v, ok := got[tt.key]; ok != tt.kept || (ok && v != tt.value) {
			t.Errorf("nmap's environment: %s=%q (set: %v), want set: %v", tt.key, v, ok, tt.kept)
		}
		if !tt.kept && strings.Contains(raw, tt.value) {
			t.Errorf("nmap's environment holds the value of %s", tt.key)
		}
	}
	if got["PATH"] != os.Getenv("PATH") {
		t.Errorf("nmap's PATH = %q, want %q", got["PATH"], os.Getenv("PATH"))
	}
}
