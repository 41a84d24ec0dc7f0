package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A target holding a character a target may not hold (an invisible one
// pasted with it, a NUL, a letter of an internationalised name) is refused
// naming the character as U+XXXX and its byte, wherever the target was
// given, without showing the value it withholds; a non-ASCII name is told
// its xn-- form.
func TestTargetErrorsNameTheStrayCharacter(t *testing.T) {
	const hidden = "not the non-printable character U+200B at byte 0"
	wantRefused(t, registry(), nil, []string{"noop"}, "\u200b", []refusal{
		{name: "zero-width space in --target", args: []string{"--target", "\u200b127.0.0.1"},
			want: `invalid --target (not shown): host name may hold only letters, digits, hyphens and dots, ` + hidden},
		{name: "internationalised name", args: []string{"--target", "bücher.example"},
			want: `not the non-ASCII character U+00FC 'ü' at byte 1: write an internationalised name in its xn-- form (bücher.example as xn--bcher-kva.example)`},
		{name: "underscore", args: []string{"--target", "a_b.example"}, want: `not the character U+005F '_' at byte 1`},
		{name: "zone", args: []string{"--target", "fe80::1%e\u200bth0"},
			want: `zone may hold only letters, digits, '.', '_' and '-', not the non-printable character U+200B at byte 9`},
		{name: "NUL in a targets file", args: []string{"--targets-file", writeFile(t, "nul.txt", "127.0.0.1\n\x00abc\n")},
			want: `nul.txt:2: invalid target (not shown): host name may hold only letters, digits, hyphens and dots, not the non-printable character U+0000 at byte 0`},
		{name: "byte not UTF-8 in a targets file", args: []string{"--targets-file", writeFile(t, "ff.txt", "ab\xffc.example\n")},
			want: `ff.txt:1: invalid target (not shown): host name may hold only letters, digits, hyphens and dots, not the byte 0xFF at byte 2 (not UTF-8)`},
		{name: "config file", args: []string{"--config", writeFile(t, "c.yaml", "target:\n  - \"\\u200bweb.example\"\n")},
			want: `invalid target (not shown) (config file `},
		{name: "config file names it", args: []string{"--config", writeFile(t, "c2.yaml", "target:\n  - \"\\u200bweb.example\"\n")},
			want: `:2): host name may hold only letters, digits, hyphens and dots, ` + hidden},
		{name: "inject file value", args: []string{"--inject-file", writeFile(t, "i.json", `{"targets":[{"value":"\u200bweb.example"}]}`)},
			want: `invalid targets[0].value (not shown): host name may hold only letters, digits, hyphens and dots, ` + hidden},
		{name: "inject file address", args: []string{"--inject-file", writeFile(t, "i4.json", `{"targets":[{"target_ipv4":"\u200b10.0.0.1"}]}`)},
			want: `invalid targets[0].target_ipv4 (not shown): not an IPv4 address: it holds the non-printable character U+200B at byte 0`},
	})
}

// A value that reads as an address or a range apart from a character no
// form allows (an invisible one pasted into it) is refused naming that
// character and its byte, not the address's first ':' or '[' a host name
// may not hold, wherever the value was given; a host name's own stray
// character ('_') is still the one named.
func TestAddressValueNamesTheCharacterNoFormAllows(t *testing.T) {
	const why = `not an IP address, CIDR range or host name: it holds the non-printable character U+200B at byte `
	wantRefused(t, registry(), nil, []string{"noop"}, "\u200b", []refusal{
		{name: "IPv6 --target", args: []string{"--target", "::1\u200b"}, want: `invalid --target (not shown): ` + why + `3`},
		{name: "bracketed --target", args: []string{"--target", "[::1]\u200b"}, want: why + `5`},
		{name: "targets file line", args: []string{"--targets-file", writeFile(t, "v6.txt", "::1\u200b\n")},
			want: `v6.txt:1: invalid target (not shown): ` + why + `3`},
		{name: "inject file value", args: []string{"--inject-file", writeFile(t, "v6.json", `{"targets":[{"value":"2001:db8::\u200b1"}]}`)},
			want: `invalid targets[0].value (not shown): ` + why + `10`},
		{name: "range --target", args: []string{"--target", "10.0.0.0/2\u200b4"},
			want: `not an address nor a CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120): it holds the non-printable character U+200B at byte 10`},
		{name: "range in an inject file", args: []string{"--inject-file", writeFile(t, "r.json", `{"targets":[{"target_ipv4":"10.0.0.0/2\u200b4"}]}`)},
			want: `CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120): it holds the non-printable character U+200B at byte 10`},
		{name: "host name's underscore", args: []string{"--target", "bad_host!"}, want: `not the character U+005F '_' at byte 3`},
	})
}

// Of several targets given one way, the one refused is named by its
// position, as an inject file names targets[N] and a targets file its
// line: the 3rd --target, the 2nd of an environment variable's, the 2nd
// item of a platform message's manual targets (whose byte counts within
// that item). One target alone is named without a position.
func TestRefusedTargetNamedByItsPosition(t *testing.T) {
	const underscore = `host name may hold only letters, digits, hyphens and dots, not the character U+005F '_' at byte 3`
	manual := writeFile(t, "om.json", `{"injection":{"inject_id":"n5","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"10.0.0.1, bad_host!"}}}`)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"third --target", nil, []string{"validate", "noop", "--target", "10.0.0.1", "--target", "web.example", "--target", "bad_host!"},
			`invalid --target #3 (not shown): ` + underscore},
		{"one --target", nil, []string{"validate", "noop", "--target", "bad_host!"}, `invalid --target (not shown): ` + underscore},
		{"second of the environment's", map[string]string{"INJECTKIT_TARGET": "10.0.0.1,bad_host!"}, []string{"validate", "noop"},
			`invalid target #2 (not shown) (env INJECTKIT_TARGET): ` + underscore},
		{"manual targets item", nil, []string{"run", "--openaev-message", manual},
			`invalid inject_content.targets (not shown): item 2 of 2: ` + underscore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append(tt.args, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
