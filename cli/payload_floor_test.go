package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// A --max-payload-size below the smallest body (one with no target, one
// holding a minimal target) named that floor as the size to beat:
// `--max-payload-size 10` said "smaller than a body with no target (56
// bytes)", 100 "… one minimal target (200 bytes)", and a user who gave
// either was refused again, at 554. The refusal now names the size that
// holds this inject, as a size between the floor and it does; with a
// backend URL, the floor was measured for another phase than the run's
// (56 bytes, not 69), and is now the one without. Following the error
// runs the inject; nothing is sent before.
func TestPayloadSizeBelowTheFloorNamesWhatHoldsTheInject(t *testing.T) {
	needs := regexp.MustCompile(`this inject needs at least (\d+) bytes`)
	for _, cmd := range []string{"run", "validate"} {
		for _, withBackend := range []bool{false, true} {
			be := newBackend(t, 200)
			base, label := []string{cmd, "noop", "--target", "127.0.0.1", "--outbox", "none"}, "printed"
			if withBackend {
				label = "to a backend"
				base = append(base, "--backend-url", be.URL, "--inject-id", "floor-1", "--token", "floor-token")
			}
			var need string
			for _, tt := range []struct {
				name  string
				args  []string
				env   map[string]string
				where string
			}{
				{"below a body with no target", []string{"--max-payload-size", "10"}, nil, `invalid max_payload_size "10" (--max-payload-size): smaller than a body with no target (69 bytes)`},
				{"below a minimal target", nil, map[string]string{"INJECTKIT_MAX_PAYLOAD_SIZE": "100"}, `invalid max_payload_size "100" (env INJECTKIT_MAX_PAYLOAD_SIZE): smaller than a body holding one minimal target`},
				{"below this target", []string{"--max-payload-size", "300"}, nil, `invalid --target "127.0.0.1": its signatures fit in no body of at most 300 bytes`},
			} {
				t.Run(cmd+" "+label+" "+tt.name, func(t *testing.T) {
					r := run(t, registry(), tt.env, append(base, tt.args...)...)
					m := needs.FindStringSubmatch(r.stderr)
					if r.code != 2 || !strings.Contains(r.stderr, tt.where) || m == nil {
						t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 saying %q and what this inject needs", r.code, r.stderr, tt.where)
					}
					if need != "" && m[1] != need {
						t.Errorf("this inject needs %s bytes, said another refusal: %s", need, m[1])
					}
					need = m[1]
					if n := len(be.got()); n != 0 {
						t.Errorf("%d bodies sent, want none", n)
					}
				})
			}
			if need == "" {
				continue
			}
			r := run(t, registry(), nil, append(base, "--max-payload-size", need)...)
			if r.code != 0 {
				t.Errorf("%s with the size the refusals named (%s): exit %d:\n%s", cmd, need, r.code, r.stderr)
			}
		}
	}
}
