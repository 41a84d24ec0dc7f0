package cli_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// An inject file's target field given blank ("" or white space alone) is
// refused, naming the target and the field, as the flag that gives it
// blank is (--target-service ”, --target ”): read as left out, a blank
// target_service scanned every service, a blank target_ipv4 beside a
// query searched without narrowing, and a blank agent, asset or asset
// group dropped the platform's attribution, exit 0, without a word.
// Nothing runs. null is still the field left out.
func TestInjectFileBlankTargetFieldRefused(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	cloudy := &frameworktest.Executor{Category: framework.Cloud}
	queries := &frameworktest.Executor{Category: framework.External}
	reg := registry(func(r *framework.Registry) {
		r.Register("scanner", func() framework.Executor { return scanner })
		r.Register("cloudy", func() framework.Executor { return cloudy })
		r.Register("queries", func() framework.Executor { return queries })
	})
	const blank, blankID = "blank; give a value or leave the key out", "blank; give the platform's id or leave the key out"
	const cloud = `"cloud_provider":"aws","cloud_account_id":"123456789012","cloud_region":"eu-west-1"`
	tests := []struct {
		injector, target, want string
	}{
		{"cloudy", cloud + `,"target_service":""`, `.target_service: ` + blank},
		{"cloudy", cloud + `,"target_service":"  "`, `.target_service "  ": ` + blank},
		{"queries", `"query":"port:22","target_ipv4":""`, `.target_ipv4: ` + blank},
		{"queries", `"query":"port:22","target_hostname":" "`, `.target_hostname " ": ` + blank},
		{"queries", `"query":"","target_ipv4":"127.0.0.1"`, `.query: ` + blank},
		{"scanner", `"value":"127.0.0.1","agent":""`, `.agent: ` + blankID},
		{"scanner", `"value":"127.0.0.1","asset":""`, `.asset: ` + blankID},
		{"scanner", `"target_ipv4":"127.0.0.1","asset_group":""`, `.asset_group: ` + blankID},
		{"scanner", `"value":"127.0.0.1","target_hostname":""`, `.target_hostname: ` + blank},
		{"scanner", `"target_hostname":"web.example.com","target_ipv6":"\t"`, `.target_ipv6 (not shown): ` + blank},
		{"scanner", `"value":""`, `.value: ` + blank},
	}
	for i, tt := range tests {
		file := writeFile(t, fmt.Sprintf("blank%d.json", i), `{"targets":[{"value":"127.0.0.2"},`+"\n"+`{`+tt.target+`}]}`)
		if tt.injector != "scanner" {
			file = writeFile(t, fmt.Sprintf("blank%d.json", i), `{"targets":[`+"\n"+`{`+tt.target+`}]}`)
		}
		at := "targets[1]"
		if tt.injector != "scanner" {
			at = "targets[0]"
		}
		want := ":2: invalid " + at + tt.want
		wantRefused(t, reg, nil, []string{tt.injector}, "", []refusal{{name: fmt.Sprint(i), args: []string{"--inject-file", file}, want: want}})
	}
	for _, e := range []*frameworktest.Executor{scanner, cloudy, queries} {
		if calls := e.Calls(); len(calls) != 0 {
			t.Fatalf("an injector ran %d times over a blank target field", len(calls))
		}
	}
	// With the openaev profile, whose targets the runtime checks, a
	// target with a blank field is refused too, not dropped as a repeat
	// of one leaving the field out.
	dup := writeFile(t, "dup.json", `{"targets":[{"target_hostname":"h.example","agent":"a"},`+"\n"+
		`{"target_hostname":"h.example","agent":"a","asset":""}]}`)
	if r := run(t, reg, nil, "run", "scanner", "--inject-file", dup, "--profile", "openaev", "--log-level", "error"); r.code != 2 ||
		!strings.Contains(r.stderr, ":2: invalid targets[1].asset: "+blankID) {
		t.Errorf("openaev profile, a blank field repeating a target: exit %d, want 2 naming targets[1].asset:\n%s", r.code, r.stderr)
	}
	// null stays the field left out.
	null := writeFile(t, "null.json", `{"targets":[{"value":"127.0.0.1","agent":null,"target_hostname":null}]}`)
	if r := run(t, reg, nil, "run", "scanner", "--inject-file", null, "--log-level", "error"); r.code != 0 {
		t.Fatalf("null fields: exit %d, want 0:\n%s", r.code, r.stderr)
	}
}

// An inject file's expectation type given blank is said blank, as
// a blank --expectation is, not an unknown type; a params key given blank is
// named params[""] (params[" "]), not "params." as if a path were cut
// off; both at the file's line and column. Nothing runs.
func TestInjectFileBlankTypeAndParamKey(t *testing.T) {
	const target = `{"injector":"noop","targets":[{"target_ipv4":"127.0.0.1"}],` + "\n"
	for _, tt := range []struct{ name, body, want string }{
		{"blank type", target + ` "expectation_types":["DETECTION",""]}`,
			`:2:35: invalid expectation_types[1]: must not be blank: give DETECTION, PREVENTION or VULNERABILITY, or leave expectation_types out`},
		{"white space type", target + ` "expectation_types":[" "]}`, `:2:23: invalid expectation_types[0] " ": must not be blank`},
		{"blank key", target + ` "params": {"": "x"}}`, `:2:13: invalid params[""] (value withheld): unknown parameter: a blank key names none (known: delay, outcome)`},
		{"white space key", target + ` "params": {" ": "x"}}`, `:2:13: invalid params[" "] (value withheld): unknown parameter: a blank key`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "blank.json", tt.body)
			r := run(t, registry(), nil, "run", "--inject-file", file, "--log-level", "error")
			if r.code != 2 || !strings.Contains(r.stderr, "inject file "+file+tt.want) || r.stdout != "" {
				t.Errorf("exit %d, want 2 and %q:\n%s", r.code, tt.want, r.stderr)
			}
		})
	}
}
