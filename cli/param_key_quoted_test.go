package cli_test

import "testing"

// An inject file's params key holding a line break and an escape
// sequence, or a line separator, is shown Go-quoted in its refusal, as
// the same key given as --param is: it forges no line of stderr. A
// printable key is shown as it is. No raw escape reaches stderr.
func TestInjectFileParamKeyQuoted(t *testing.T) {
	inject := func(key string) string {
		return writeFile(t, "inject.json", `{"inject_id":"i-9","injector":"noop","targets":[{"value":"127.0.0.1"}],"params":{`+key+`:"x"}}`)
	}
	var tests []refusal
	for _, tt := range []struct{ name, key, want string }{
		{"escape and line break", `"a\u001b[31m\nINFO forged"`, `invalid "params.a\x1b[31m\nINFO forged" (value withheld): unknown parameter`},
		{"line separator", `"a\u2028INFO forged"`, `invalid "params.a\u2028INFO forged" (value withheld): unknown parameter`},
		{"printable", `"pwd"`, `invalid params.pwd (value withheld): unknown parameter`},
	} {
		tests = append(tests, refusal{name: tt.name, args: []string{"--inject-file", inject(tt.key)}, want: tt.want})
	}
	// The same key as --param, for comparison.
	tests = append(tests, refusal{name: "--param", args: []string{"--target", "127.0.0.1", "--param", "a\x1b[31m\nINFO forged=x"},
		want: `invalid param "a\x1b[31m\nINFO forged" (value withheld) (--param): unknown parameter`})
	wantRefused(t, registry(), nil, []string{"noop"}, "\x1b", tests)
}
