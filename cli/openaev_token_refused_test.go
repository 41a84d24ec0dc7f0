package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
)

// A run of the openaev profile whose token the platform does not know
// (401) stops at the platform's first answer, the version read, or, the
// version given, the inject's status read: one line says the token is
// refused, with the reception's refusal's exit code (1), and nothing
// else: no WARN that the version or the inject's status cannot be read
// and that the inject runs all the same, no reception, no outbox created.
func TestRunOpenAEVRefusedTokenStopsAtTheFirstAnswer(t *testing.T) {
	t.Parallel()
	const id = "inj-refused"
	p := noopPlatform(t, id)
	tests := []struct {
		name    string
		token   string // "" : none given
		message bool   // --openaev-message rather than --inject-id
		extra   []string
		want    string // the line's cause, after "inject ID not run: "
	}{
		{name: "version read", token: "wrong-token-1",
			want: "the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN"},
		{name: "version given: the status read", token: "wrong-token-1", extra: []string{"--openaev-version", "2.4.0"},
			want: "the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN"},
		{name: "message, version read", token: "wrong-token-1", message: true,
			want: "the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN"},
		{name: "message, version given: the status read", token: "wrong-token-1", message: true, extra: []string{"--openaev-version", "2.4.0"},
			want: "the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN"},
		{name: "no token", want: "the platform refuses a request without a token (status 401): no token was given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			if tt.token != "" {
				env["INJECTKIT_TOKEN"] = tt.token
			}
			args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1"}
			if tt.message {
				args = []string{"run", "noop", "--openaev-message", oneAssetMessage(t, id, openaev.ContractID("noop"))}
			}
			args = append(append(args, "--backend-url", p.URL), tt.extra...)
			r := run(t, registry(), env, args...)
			if r.code != cli.ExitDelivery {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
			}
			want := "inject " + id + " not run: " + tt.want
			if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "nothing was sent or stored") {
				t.Errorf("stderr does not say %q and that nothing was sent or stored:\n%s", want, r.stderr)
			}
			if n := strings.Count(r.stderr, "refuses"); n != 1 {
				t.Errorf("stderr says the platform refuses %d times, want once:\n%s", n, r.stderr)
			}
			for _, not := range []string{"running it", "not readable", "reception"} {
				if strings.Contains(r.stderr, not) {
					t.Errorf("stderr says %q:\n%s", not, r.stderr)
				}
			}
			if n := len(p.Receptions(id)); n != 0 {
				t.Errorf("%d receptions sent, want none", n)
			}
			if _, err := os.Stat(box); !os.IsNotExist(err) {
				t.Errorf("outbox %s created (stat: %v)", box, err)
			}
		})
	}
}
