package cli_test

import (
	"strings"
	"testing"
)

// A param of the environment or the config file is an item of a list as
// any other: the white space around it goes, at both ends, whole
// (INJECTKIT_PARAM='port=22 ' is port=22, 'name= x ' is name " x": the
// space after "=" is inside the item); a --param's value is kept as
// written (--param 'name= x ' is " x ").
func TestParamWhiteSpaceBySource(t *testing.T) {
	reg := withFake("bare", bare{})
	conf := writeFile(t, "c.yaml", "param:\n  - \"port=22 \"\n  - \" name= x \\t\"\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // the params bare got, or the refusal
	}{
		{"env, trailing", map[string]string{"INJECTKIT_PARAM": "port=22 "}, nil, 0, `"22 false  0s"`},
		{"env, both ends", map[string]string{"INJECTKIT_PARAM": " port=22 , name= x \n"}, nil, 0, `"22 false  x 0s"`},
		{"config file", nil, []string{"--config", conf}, 0, `"22 false  x 0s"`},
		{"flag, kept as written", nil, []string{"--param", "name= x "}, 0, `"80 false  x  0s"`},
		{"flag, an int kept as written", nil, []string{"--param", "port=22 "}, 2, `invalid param "port=22 " (--param): not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, tt.env, append([]string{"run", "bare", "--target", "127.0.0.1", "--log-level", "error", "-o", "json"}, tt.args...)...)
			out := r.stdout
			if tt.code != 0 {
				out = r.stderr
			}
			if r.code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d with %q:\nstdout %s\nstderr %s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}
