package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
)

// scalarCase is a text given to an int, a bool or a duration, and how the
// one reading of each (scalar.Integer, ParseBool, ParseDuration)
// takes it: the value read, as bare's findings show it, or the refusal.
type scalarCase struct {
	kind, text string
	got        string // the value read; "" when refused
	reason     string // the refusal's reason
}

// scalarCases are the spellings a setting and a param agree on.
var scalarCases = []scalarCase{
	{kind: "int", text: "20", got: "20"},
	{kind: "int", text: "20.0", got: "20"},
	{kind: "int", text: "2e1", got: "20"},
	{kind: "int", text: "010", reason: "not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5): a leading 0 is octal to some readers, decimal to others"},
	{kind: "int", text: "+4", reason: "not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5)"},
	{kind: "int", text: "0x10", reason: "not an integer as JSON writes one"},
	{kind: "int", text: "1_000", reason: "not an integer as JSON writes one"},
	{kind: "bool", text: "true", got: "true"},
	{kind: "bool", text: "1", got: "true"},
	{kind: "bool", text: "TRUE", got: "true"},
	{kind: "bool", text: "True", got: "true"},
	{kind: "bool", text: "t", got: "true"},
	{kind: "bool", text: "yes", reason: "not a boolean: want true or false (also 1, 0, t, f, TRUE, FALSE, True, False, T, F)"},
	{kind: "bool", text: "on", reason: "not a boolean: want true or false"},
	{kind: "bool", text: "2", reason: "not a boolean: want true or false"},
	{kind: "duration", text: "30", got: "30s"},
	{kind: "duration", text: "30s", got: "30s"},
	{kind: "duration", text: "1.5", got: "1.5s"},
	{kind: "duration", text: "010", reason: "a leading 0 is octal to some readers, decimal to others: write the number of seconds without it"},
	{kind: "duration", text: "1_0", reason: "not a duration"},
}

// A setting's int, bool and duration are read as a param's are, from every
// source: a flag, an INJECTKIT_ variable, a YAML or a JSON config file.
// One refused exits 2 naming the key as the user gave it and the value,
// nothing run; one taken is read as the param reads it (a bool setting,
// phase_any, lets --phase started pass; timeout shows in validate's line).
func TestSettingScalarsReadAsParams(t *testing.T) {
	keys := map[string]string{"int": "max_targets", "bool": "phase_any", "duration": "timeout"}
	for _, tt := range scalarCases {
		key := keys[tt.kind]
		flag, env := "--"+strings.ReplaceAll(key, "_", "-"), "INJECTKIT_"+strings.ToUpper(key)
		yaml := writeFile(t, "c.yaml", "# the settings\n"+key+": "+tt.text+"\n")
		jsonFile := writeFile(t, "c.json", "{\n \""+key+"\": "+tt.text+"\n}\n")
		for _, src := range []struct {
			name, where string
			env         map[string]string
			args        []string
		}{
			{"flag", flag, nil, []string{flag + "=" + tt.text}},
			{"env", "env " + env, map[string]string{env: tt.text}, nil},
			{"yaml file", "config file " + yaml + ":2", nil, []string{"--config", yaml}},
			{"json file", "config file " + jsonFile + ":2", nil, []string{"--config", jsonFile}},
		} {
			t.Run(key+"="+tt.text+" "+src.name, func(t *testing.T) {
				args := append([]string{"validate", "noop", "--target", "127.0.0.1", "--phase", "started"}, src.args...)
				if key != "phase_any" {
					args = append(args, "--phase-any")
				}
				r := run(t, registry(), src.env, args...)
				if tt.got == "" {
					checkExitSays(t, r, cli.ExitUsage, `invalid `+key+` "`+tt.text+`" (`+src.where+`): `+tt.reason)
					return
				}
				want := "valid: noop"
				if key == "timeout" {
					want = "timeout " + tt.got + ";"
				}
				if r.code != cli.ExitOK || !strings.Contains(r.stdout, want) {
					t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, want)
				}
			})
		}
	}
}

// A param's int, bool and duration are read one way from every source:
// --param, INJECTKIT_PARAM, the config file's param, an inject file and a
// platform message's content (a text field's string). One refused exits 2
// naming the param, where it was written and the value, the injector never
// run; one taken reaches the injector as the same value. An inject file
// writes an int and a bool as JSON does: a text JSON cannot write there
// bare (010, +4, TRUE) is its syntax error, and a bool's number other
// than 1 and 0 the wrong JSON type.
func TestParamScalarsReadOneWayFromEverySource(t *testing.T) {
	reg := withFake("bare", bare{})
	keys := map[string]string{"int": "port", "bool": "verbose", "duration": "wait"}
	for _, tt := range scalarCases {
		key := keys[tt.kind]
		pair := key + "=" + tt.text
		cfg := writeFile(t, "c.yaml", "param:\n  - "+pair+"\n")
		literal := tt.text
		if tt.kind == "duration" || !json.Valid([]byte(tt.text)) {
			literal = `"` + tt.text + `"`
		}
		inject := writeFile(t, "inject.json", `{"targets": [{"value": "127.0.0.1"}],`+"\n"+` "params": {"`+key+`": `+literal+"}}\n")
		text, _ := json.Marshal(tt.text)
		msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-s","inject_injector_contract":{"injector_contract_id":"`+
			openaev.ContractID("bare")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","`+key+`":`+string(text)+`}}}`)
		for _, src := range []struct {
			name, refusal string
			env           map[string]string
			args          []string
		}{
			{"--param", `invalid param "` + pair + `" (--param): `, nil, []string{"--target", "127.0.0.1", "--param", pair}},
			{"env", `invalid param "` + pair + `" (env INJECTKIT_PARAM): `, map[string]string{"INJECTKIT_PARAM": pair},
				[]string{"--target", "127.0.0.1"}},
			{"config file", `invalid param "` + pair + `" (config file ` + cfg + `:2): `, nil, []string{"--target", "127.0.0.1", "--config", cfg}},
			{"inject file", `invalid params.` + key + ` "` + tt.text + `": `, nil, []string{"--inject-file", inject}},
			{"platform message", `invalid inject_content.` + key + ` "` + tt.text + `": `, nil, []string{"--openaev-message", msg}},
		} {
			t.Run(pair+" "+src.name, func(t *testing.T) {
				r := run(t, reg, src.env, append([]string{"run", "bare", "--outbox", "none", "-o", "json", "--log-level", "error"}, src.args...)...)
				switch {
				case src.name == "inject file" && tt.kind != "duration" && (literal != tt.text || tt.got == ""):
					// A string (TRUE, 010: no JSON literal), or a
					// bool's number other than 1 and 0 (2): the wrong
					// JSON type for an int or a bool.
					checkExitSays(t, r, cli.ExitUsage, `invalid params.`+key+` "`+tt.text+`": wrong JSON type`)
				case tt.got == "":
					checkExitSays(t, r, cli.ExitUsage, src.refusal+tt.reason)
				case r.code != cli.ExitOK:
					t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
				case src.name != "platform message" && !strings.Contains(r.stdout, `"signature_value":"`+got(tt)+`"`):
					t.Fatalf("bare got %s, want %q", r.stdout, got(tt))
				}
				if tt.got == "" && strings.Contains(r.stdout, "signature_value") {
					t.Errorf("the injector ran: %s", r.stdout)
				}
			})
		}
	}
}

// got is bare's findings for tt's value read, the other params their
// defaults: "port verbose name wait".
func got(tt scalarCase) string {
	v := map[string]string{"port": "80", "verbose": "false", "wait": "0s"}
	v[map[string]string{"int": "port", "bool": "verbose", "duration": "wait"}[tt.kind]] = tt.got
	return v["port"] + " " + v["verbose"] + "  " + v["wait"]
}
