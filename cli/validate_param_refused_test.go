package cli_test

import (
	"strings"
	"testing"
)

// validate refuses a --param its injector refuses with the one error line
// naming the pair, exit 2, whatever refuses it (given twice, not of its
// type, a value the injector's check refuses): it runs no inject, so it
// logs no WARN "inject rejected", which named a made-up inject id. run
// still logs it before the error, as for any refused inject.
func TestValidateRefusedParamLogsNoRejection(t *testing.T) {
	withNmap := registry(withNmapScanner)
	tests := []struct {
		name   string
		params []string
		want   string
	}{
		{"given twice", []string{"--param", "ports=22", "--param", "ports=23"}, `invalid param "ports=23" (--param): ports given twice`},
		{"not an integer", []string{"--param", "timing=abc"}, `invalid param "timing=abc" (--param): not an integer`},
		{"refused by the injector", []string{"--param", "ports=22;id"}, `invalid param "ports=22;id" (--param): "22;id" is not a port number`},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"validate", "run"} {
			t.Run(cmd+"/"+tt.name, func(t *testing.T) {
				args := append([]string{cmd, "nmap", "--target", "127.0.0.1", "--outbox", "none"}, tt.params...)
				if cmd == "validate" {
					args = append([]string{cmd, "nmap", "--target", "127.0.0.1"}, tt.params...)
				}
				r := run(t, withNmap, nil, args...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("exit %d, want 2 saying %q:\n%s", r.code, tt.want, r.stderr)
				}
				if logged := strings.Contains(r.stderr, "inject rejected"); logged != (cmd == "run") {
					t.Errorf("WARN inject rejected logged: %v, want %v:\n%s", logged, cmd == "run", r.stderr)
				}
			})
		}
	}
}
