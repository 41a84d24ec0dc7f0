package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

// One grammar for a duration wherever it is written: a JSON inject file's
// timeout and params.delay, as a number or a string, take what --timeout,
// the config file and --param take (a Go duration, or a bare number of
// seconds: whole, fraction, exponent, in decimal), to the same duration,
// and refuse what they refuse (negative, past 292 years, rounding to 0s,
// not a number, a hex float or digit separators), exit 2 naming the key
// and the file.
func TestDurationGrammarOneForEverySource(t *testing.T) {
	shown := regexp.MustCompile(`timeout (\S+);`)
	tests := []struct {
		json, flag string
		want       string // the timeout validate shows; "" for refused
	}{
		{`90`, "90", "1m30s"},
		{`"90"`, "90", "1m30s"},
		{`"90s"`, "90s", "1m30s"},
		{`1.5`, "1.5", "1.5s"},
		{`1e1`, "1e1", "10s"},
		{`1E+2`, "1E+2", "1m40s"},
		{`2.5e-1`, "2.5e-1", "250ms"},
		{`"1m30s"`, "1m30s", "1m30s"},
		{`-5`, "-5", ""},
		{`"-1s"`, "-1s", ""},
		{`0`, "0", ""},
		{`1e400`, "1e400", ""},
		{`9999999999999999999`, "9999999999999999999", ""},
		{`1e-10`, "1e-10", ""},
		{`"abc"`, "abc", ""},
		{`"1.5x"`, "1.5x", ""},
		// A bare number is decimal, as JSON writes one: not Go's hex
		// float nor its digit separators, which strconv.ParseFloat
		// reads (16s and 16m40s), and which no JSON number holds.
		{`"0x1p4"`, "0x1p4", ""},
		{`"0X1P-2"`, "0X1P-2", ""},
		{`"1_000"`, "1_000", ""},
		{`"+90"`, "+90", "1m30s"},
		{`".5"`, ".5", "500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			file := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"127.0.0.1"}],"timeout":`+tt.json+`}`)
			yaml := writeFile(t, "c.yaml", "timeout: "+tt.flag+"\n")
			for _, src := range []struct {
				name string
				args []string
				says string // what a refusal names
			}{
				{"inject file", []string{"--inject-file", file}, "inject file " + file + ":1:"},
				{"--timeout", []string{"noop", "--target", "127.0.0.1", "--timeout", tt.flag}, "(--timeout)"},
				{"config file", []string{"noop", "--target", "127.0.0.1", "--config", yaml}, "(config file " + yaml + ":1)"},
			} {
				r := run(t, registry(), nil, append([]string{"validate"}, src.args...)...)
				m := shown.FindStringSubmatch(r.stdout)
				switch {
				case tt.want != "" && (r.code != 0 || m == nil || m[1] != tt.want):
					t.Errorf("%s: exit %d, %q; want 0 and timeout %s: %s", src.name, r.code, r.stdout, tt.want, r.stderr)
				case tt.want == "" && (r.code != 2 || !strings.Contains(r.stderr, "invalid timeout") || !strings.Contains(r.stderr, src.says)):
					t.Errorf("%s: exit %d, stderr %q; want 2 naming the timeout and %q", src.name, r.code, r.stderr, src.says)
				}
			}
			// A duration param: params.delay in the file, --param delay=.
			param := writeFile(t, "param.json", `{"injector":"noop","targets":[{"value":"127.0.0.1"}],"params":{"delay":`+tt.json+`}}`)
			fromFile := run(t, registry(), nil, "validate", "--inject-file", param)
			fromFlag := run(t, registry(), nil, "validate", "noop", "--target", "127.0.0.1", "--param", "delay="+tt.flag)
			refused := tt.want == "" && tt.json != `0` // a delay of 0 is none, taken
			switch {
			case !refused && (fromFile.code != 0 || fromFlag.code != 0):
				t.Errorf("delay: exit %d (file), %d (--param), want 0: %s%s", fromFile.code, fromFlag.code, fromFile.stderr, fromFlag.stderr)
			case refused && (fromFile.code != 2 || !strings.Contains(fromFile.stderr, "inject file "+param+":1:") ||
				!strings.Contains(fromFile.stderr, "invalid params.delay")):
				t.Errorf("delay in the file: exit %d, stderr %q; want 2 naming the file and params.delay", fromFile.code, fromFile.stderr)
			case refused && (fromFlag.code != 2 || !strings.Contains(fromFlag.stderr, `invalid param "delay=`)):
				t.Errorf("--param delay: exit %d, stderr %q; want 2 naming the param", fromFlag.code, fromFlag.stderr)
			}
		})
	}
}
