package cli_test

import (
	"strings"
	"testing"
)

// A bad param of an inject file run with the openaev profile is named as
// the inject file gives it, not as a platform message there is none of.
func TestOpenAEVInjectFileBadParamNamesTheParam(t *testing.T) {
	reg := withFake("ttl", ttl{})
	file := writeFile(t, "inject.json", `{"inject_id":"inj-1","targets":[{"target_ipv4":"127.0.0.1"}],"params":{"ttl":300}}`)
	for _, args := range [][]string{
		{"run", "ttl", "--profile", "openaev", "--inject-file", file},
		{"run", "ttl", "--profile", "openaev", "--target", "127.0.0.1", "--inject-id", "inj-1", "--param", "ttl=300"},
	} {
		t.Run(strings.Join(args[2:4], " ")+" "+args[4], func(t *testing.T) {
			r := run(t, reg, nil, append(args, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, `invalid params.ttl "300"`) && !strings.Contains(r.stderr, `invalid param "ttl=300" (--param)`) ||
				strings.Contains(r.stderr, "message") {
				t.Errorf("exit %d, want 2 naming the param, no message:\n%s", r.code, r.stderr)
			}
		})
	}
}
