package cli_test

import (
	"strings"
	"testing"
)

// A target written with a port (web.example:8080) is refused naming the
// injector that was asked for: nmap, which takes its ports in a param,
// says which; noop, which takes none, is not told of nmap's.
func TestTargetPortHintNamesTheInjector(t *testing.T) {
	for _, tt := range []struct {
		injector, want, never string
	}{
		{"nmap", `invalid --target "web.example:8080": a target holds no port; injector nmap takes the ports in its ports param (--param ports=…)`, ""},
		{"noop", `invalid --target "web.example:8080": a target holds no port; injector noop takes no ports`, "nmap"},
	} {
		t.Run(tt.injector, func(t *testing.T) {
			r := run(t, registry(withNmapScanner), nil, "run", "--outbox", "none", tt.injector, "--target", "web.example:8080")
			switch {
			case r.code != 2:
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			case !strings.Contains(r.stderr, tt.want):
				t.Errorf("stderr lacks %q:\n%s", tt.want, r.stderr)
			case tt.never != "" && strings.Contains(r.stderr, tt.never):
				t.Errorf("stderr names %q:\n%s", tt.never, r.stderr)
			}
		})
	}
}
