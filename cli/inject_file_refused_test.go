package cli_test

import (
	"strings"
	"testing"
)

// A value of an inject file refused once its JSON was read (a target, a
// param, the injector, also blank or left out, the inject id, the phase, an expectation type) is named with the
// file's line, as a targets file's line is, and the column of a value the
// file writes once, as the file's syntax errors are: a target by the line
// its object starts on, a params key that is no param by its key.
func TestInjectFileValueErrorsNameTheLine(t *testing.T) {
	pretty := writeFile(t, "pretty.json", `{
  "injector": "noop",
  "targets": [
    {
      "value": "127.0.0.1"
    },
    {
      "value": "bad host!"
    }
  ]
}`)
	lines := writeFile(t, "lines.json", `{"injector": "noop", "targets": [
  {"value": "127.0.0.1"},
  {"value": "10.0.0.1"},
  {"value": "10.0.0.300"}
]}`)
	mixed := writeFile(t, "mixed.json", `{"injector": "noop", "targets": [
  {"value": "127.0.0.1"},
  {"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "eu-west-1"}
]}`)
	param := writeFile(t, "param.json", `{"injector": "noop",
 "targets": [{"value": "127.0.0.1"}],
 "params": {
   "outcome": "bogus"
 }}`)
	typed := writeFile(t, "typed.json", `{"injector": "noop",
 "targets": [{"value": "127.0.0.1"}],
 "params": {"delay": "1s",
   "outcome": 3}}`)
	unknown := writeFile(t, "unknown.json", `{"injector": "noop",
 "targets": [{"value": "127.0.0.1"}],
 "params":{"callTimeout":"5s", "outcome":"nah"}}`)
	spaced := writeFile(t, "spaced.json", `{"injector": "noop",
 "targets": [{"value": "127.0.0.1"}],
 "params": {"delay": "1s" ,
   "callTimeout" :
     "5s"}}`)
	id := writeFile(t, "id.json", `{"injector": "noop",
 "inject_id": "inj-é",
 "targets": [{"value": "127.0.0.1"}]}`)
	phase := writeFile(t, "phase.json", `{"injector": "noop",
 "phase": "bogus",
 "targets": [{"value": "127.0.0.1"}]}`)
	injector := writeFile(t, "injector.json", `{
 "injector": "nope",
 "targets": [{"value": "127.0.0.1"}]}`)
	blankInjector := writeFile(t, "blank-injector.json", `{
 "targets": [{"value": "127.0.0.1"}],
   "injector": ""}`)
	spaceInjector := writeFile(t, "space-injector.json", `{
 "targets": [{"value": "127.0.0.1"}],
   "injector": " "}`)
	noInjector := writeFile(t, "no-injector.json", `{"targets": [{"value": "127.0.0.1"}]}`)
	badPhase := writeFile(t, "bad-phase.json", `{"injector": "noop",
 "phase": "a\u0001",
 "targets": [{"value": "127.0.0.1"}]}`)
	expectation := writeFile(t, "expectation.json", `{"injector": "noop",
 "expectation_types": ["DETECTION",
   "BOGUS"],
 "targets": [{"value": "127.0.0.1"}]}`)
	wantRefused(t, registry(), nil, nil, "", []refusal{
		{"a target written over lines", nil, []string{"--inject-file", pretty}, "inject file " + pretty + ":7: invalid targets[1].value (not shown)"},
		{"a target a line", nil, []string{"--inject-file", lines}, "inject file " + lines + `:4: invalid targets[2].value "10.0.0.300"`},
		{"a target the runtime refuses", nil, []string{"--inject-file", lines, "--profile", "openaev"},
			"inject file " + lines + `:4: invalid targets[2].value "10.0.0.300"`},
		{"a target of another category", nil, []string{"--inject-file", mixed},
			"inject file " + mixed + `:3: invalid targets[1] "aws 123456789012 eu-west-1": a cloud target, where all targets must share one category (targets[0] is network)`},
		{"a param's value", nil, []string{"--inject-file", param}, "inject file " + param + `:4:15: invalid params.outcome "bogus"`},
		{"a param's type", nil, []string{"--inject-file", typed}, "inject file " + typed + `:4:15: invalid params.outcome "3"`},
		{"a key that is no param, at its key", nil, []string{"--inject-file", unknown},
			"inject file " + unknown + `:3:12: invalid params.callTimeout (value withheld): unknown parameter`},
		{"a key that is no param, its value on a later line", nil, []string{"--inject-file", spaced},
			"inject file " + spaced + `:4:4: invalid params.callTimeout (value withheld): unknown parameter`},
		{"the inject id", nil, []string{"--inject-file", id}, "inject file " + id + `:2:15: invalid inject_id "inj-é"`},
		{"the injector", nil, []string{"--inject-file", injector}, "inject file " + injector + `:2:14: unknown injector "nope" (known: `},
		{"the injector given blank", nil, []string{"--inject-file", blankInjector},
			"inject file " + blankInjector + `:3:16: invalid injector "": name one (known: `},
		{"the injector given as white space", nil, []string{"--inject-file", spaceInjector},
			"inject file " + spaceInjector + `:3:16: invalid injector " ": name one (known: `},
		{"the injector given as white space on the command line", nil, []string{" ", "--target", "127.0.0.1"},
			`injectkit: invalid injector " ": name one (known: `},
		{"the injector not given", nil, []string{"--inject-file", noInjector},
			"inject file " + noInjector + `: invalid injector "": name one (known: `},
		{"the phase", nil, []string{"--inject-file", phase}, "inject file " + phase + `:2:11: invalid phase "bogus": want execution_complete`},
		{"a phase no URL holds", nil, []string{"--inject-file", badPhase, "--phase-any"},
			"inject file " + badPhase + `:2:11: invalid phase "a\x01": holds the non-printable character U+0001`},
		{"an expectation type", nil, []string{"--inject-file", expectation},
			"inject file " + expectation + `:3:4: invalid expectation_types[1] "BOGUS"`},
	})
}

// An inject file that gives no target, and nothing else does, is refused
// naming the file, as its other refusals are: the error said only
// "invalid targets: at least one target is required".
func TestRunInjectFileWithoutTargetsNamesTheFile(t *testing.T) {
	tests := []struct {
		name, file string
	}{
		{"empty list", `{"injector":"noop","targets":[]}`},
		{"no targets", `{"injector":"noop"}`},
		{"null", `{"injector":"noop","targets":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "inject.json", tt.file)
			for _, cmd := range []string{"run", "validate"} {
				r := run(t, registry(), nil, cmd, "--inject-file", path, "--log-level", "error")
				want := "injectkit: inject file " + path + ": invalid targets: at least one target is required"
				if r.code != 2 || !strings.Contains(r.stderr, want) {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %q", cmd, r.code, r.stderr, want)
				}
			}
		})
	}
}

// A bad param of an inject file run with the openaev profile is named as
// the inject file gives it, not as a platform message there is none of.
func TestOpenAEVInjectFileBadParamNamesTheParam(t *testing.T) {
	reg := withFake("ttl", ttl{})
	file := writeFile(t, "inject.json", `{"inject_id":"inj-1","targets":[{"target_ipv4":"127.0.0.1"}],"params":{"ttl":300}}`)
	for _, args := range [][]string{
		{"run", "ttl", "--profile", "openaev", "--inject-file", file},
		{"run", "ttl", "--profile", "openaev", "--target", "127.0.0.1", "--inject-id", "inj-1", "--param", "ttl=300"},
	} {
		t.Run(strings.Join(args[2:4], " ")+" "+args[4], func(t *testing.T) {
			r := run(t, reg, nil, append(args, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, `invalid params.ttl "300"`) && !strings.Contains(r.stderr, `invalid param "ttl=300" (--param)`) ||
				strings.Contains(r.stderr, "message") {
				t.Errorf("exit %d, want 2 naming the param, no message:\n%s", r.code, r.stderr)
			}
		})
	}
}
