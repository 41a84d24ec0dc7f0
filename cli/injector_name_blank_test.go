package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
)

// TestServeInjectorNameBlank: serve's injector name and type are blank as
// the platform's registration says (Java's trim: a char up to U+0020),
// one rule, the openaev client's: U+00A0 or U+2000 are names, U+0001 or a
// space are refused before anything is sent, and an empty one is refused
// as given empty. A name with a control character inside (a newline,
// U+0085) is refused too. A refused name is quoted as given, white space
// and all.
func TestServeInjectorNameBlank(t *testing.T) {
	tests := []struct {
		name, value string
		want        string // the error; "" for a name taken
	}{
		{"no-break space", "\u00a0", ""},
		{"en quad", "\u2000", ""},
		{"next line", "\u0085", `invalid injector_name "\u0085" (--injector-name): must not hold control characters`},
		{"newline inside", "a\nb", `invalid injector_name "a\nb" (--injector-name): must not hold control characters`},
		{"escape inside", "a\x1bb", `invalid injector_name "a\x1bb" (--injector-name): must not hold control characters`},
		{"control char", "\x01", `invalid injector_name "\x01" (--injector-name): must not be blank: the platform's registration refuses`},
		{"space", " ", `invalid injector_name " " (--injector-name): must not be blank: the platform's registration refuses`},
		{"empty", "", `invalid injector_name "" (--injector-name): must not be blank`},
		{"control char between spaces, shown as given", "\t\x1f ", `invalid injector_name "\t\x1f " (--injector-name): must not be blank`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := testkit.NewBackend(t)
			args := []string{"serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
				"--openaev-url", backend.URL, "--outbox", "none", "--injectors", "noop", "--log-level", "error", "--injector-name", tt.value}
			want := tt.want
			if want == "" {
				// A setting checked after the name stops serve before it
				// starts: the name was taken.
				args, want = append(args, "--workers", "0"), `invalid workers "0" (--workers)`
			}
			r := run(t, registry(), nil, args...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want %d saying %q:\n%s", r.code, cli.ExitUsage, want, r.stderr)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the platform", n)
			}
		})
	}
}
