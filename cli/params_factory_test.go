package cli_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type bareParams struct {
	Port    int           `json:"port"`
	Verbose bool          `json:"verbose"`
	Name    string        `json:"name"`
	Wait    time.Duration `json:"wait"`
}

// bare has a ParamsFactory and no Manifester: it reports the params it
// got in its findings.
type bare struct{}

func (bare) NewParams() any { return &bareParams{Port: 80} }
func (bare) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[bareParams](in)
	if err != nil {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: err.Error()}}
	}
	return framework.ToolOutput{ExtraSignatures: map[string]any{"got": fmt.Sprintf("%d %v %s %s", p.Port, p.Verbose, p.Name, p.Wait)}}
}

// An injector with a ParamsFactory and no manifest takes --param values
// decoded against its struct's field types, as one with a manifest does.
func TestParamsOfFactoryWithoutManifest(t *testing.T) {
	reg := withFake("bare", bare{})
	tests := []struct {
		params []string
		code   int
		want   string // in stdout (the findings), or stderr for a refusal
	}{
		{[]string{"port=8080", "verbose=true", "name=x", "wait=90"}, 0, `"signature_type":"got","signature_value":"8080 true x 1m30s"`},
		{[]string{"port=http"}, 2, `invalid param "port=http" (--param): not an integer`},
		{[]string{"verbose=sure"}, 2, `invalid param "verbose=sure" (--param): not a boolean`},
		// A bool setting's spellings (scalar.Bool), no others.
		{[]string{"port=1", "verbose=1"}, 0, `"signature_value":"1 true  0s"`},
		{[]string{"port=1", "verbose=TRUE"}, 0, `"signature_value":"1 true  0s"`},
		{[]string{"verbose=on"}, 2, `invalid param "verbose=on" (--param): not a boolean: want true or false`},
		{[]string{"port=8080.0", "verbose=false"}, 0, `"signature_value":"8080 false  0s"`},
		{[]string{"port=+8080"}, 2, `invalid param "port=+8080" (--param): not an integer`},
		{[]string{"colour=red"}, 2, `unknown parameter (known: name, port, verbose, wait)`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.params, " "), func(t *testing.T) {
			args := []string{"run", "bare", "--target", "127.0.0.1", "--log-level", "error", "-o", "json"}
			for _, p := range tt.params {
				args = append(args, "--param", p)
			}
			r := run(t, reg, nil, args...)
			checkExitSays(t, r, tt.code, tt.want)
		})
	}
}

type ttlParams struct {
	Port int   `json:"port"`
	TTL  uint8 `json:"ttl"`
}

type ttl struct{ bare }

func (ttl) NewParams() any { return &ttlParams{} }
func (ttl) Manifest() framework.Manifest {
	return framework.Manifest{Name: "ttl", Params: framework.MustParamsSpec(&ttlParams{})}
}

// A whole number out of its field's range is refused naming the param, the
// value and the range, from --param or a params file, never as "wrong JSON
// type".
func TestParamOutOfRange(t *testing.T) {
	reg := withFake("ttl", ttl{})
	inject := writeFile(t, "inject.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"ttl":300}}`)
	huge := writeFile(t, "huge.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"port":99999999999999999999}}`)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--inject-file", huge},
			`invalid params.port "99999999999999999999": must be between -9223372036854775808 and 9223372036854775807`},
		{[]string{"--param", "port=99999999999999999999"},
			`"port=99999999999999999999" (--param): must be between -9223372036854775808 and 9223372036854775807`},
		{[]string{"--param", "ttl=300"}, `"ttl=300" (--param): must be between 0 and 255`},
		{[]string{"--inject-file", inject}, `300": must be between 0 and 255`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"run", "ttl", "--log-level", "error"}, tt.args...)
			if tt.args[0] == "--param" {
				args = append(args, "--target", "127.0.0.1")
			}
			r := run(t, reg, nil, args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "wrong JSON type") {
				t.Errorf("exit %d, want 2 with %q:\n%s", r.code, tt.want, r.stderr)
			}
		})
	}
}

type wideParams struct {
	Port int           `json:"port"`
	Wait time.Duration `json:"wait"`
}

type wideNumbers struct{ bare }

func (wideNumbers) NewParams() any { return &wideParams{} }
func (wideNumbers) Manifest() framework.Manifest {
	return framework.Manifest{Name: "wide", Params: framework.MustParamsSpec(&wideParams{})}
}

// A number past what a float64 holds (1e400) is refused in the same words
// from --param and from an inject file, the words of the param's type
// (one rule for both intakes), never naming a Go type.
func TestParamPastFloat64OneRule(t *testing.T) {
	reg := withFake("wide", wideNumbers{})
	const intRange = "must be between -9223372036854775808 and 9223372036854775807"
	for _, tt := range []struct{ param, value, reason string }{
		{"port", "1e400", intRange},
		{"port", "-1e400", intRange},
		{"port", "1e300", intRange},
		{"wait", "1e400", "too long: at most 2562047h (292 years)"},
		{"wait", "-1e400", "negative duration"},
	} {
		file := writeFile(t, "inject.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"`+tt.param+`":`+tt.value+`}}`)
		for _, intake := range []struct {
			args []string
			want string
		}{
			{[]string{"--param", tt.param + "=" + tt.value, "--target", "127.0.0.1"},
				`invalid param "` + tt.param + "=" + tt.value + `" (--param): ` + tt.reason},
			{[]string{"--inject-file", file}, `invalid params.` + tt.param + ` "` + tt.value + `": ` + tt.reason},
		} {
			r := run(t, reg, nil, append([]string{"run", "wide", "--log-level", "error"}, intake.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, intake.want) || strings.Contains(r.stderr, "float64") {
				t.Errorf("%s=%s %s: exit %d, want 2 with %q:\n%s", tt.param, tt.value, intake.args[0], r.code, intake.want, r.stderr)
			}
		}
	}
}

type keyParams struct {
	Key string `json:"key" param:"required"`
}

type keyed struct{ bare }

func (keyed) NewParams() any { return &keyParams{} }
func (keyed) Manifest() framework.Manifest {
	return framework.Manifest{Name: "keyed", Params: framework.MustParamsSpec(&keyParams{})}
}

// A required param not given, or given null in the inject file, or (a
// string) given empty, is refused, named as the user gives it (--param
// key=…, the inject file's "params"), never as params.key.
func TestRequiredParamMissingOrNull(t *testing.T) {
	reg := withFake("keyed", keyed{})
	null := writeFile(t, "null.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"key":null}}`)
	none := writeFile(t, "none.json", `{"targets":[{"value":"127.0.0.1"}]}`)
	tests := append([]refusal{
		{"missing", nil, []string{"--target", "127.0.0.1"}, "missing param key: the injector requires it (give --param key=…)"},
		{"missing from the inject file", nil, []string{"--inject-file", none},
			`missing param key: the injector requires it (give --param key=…, or "key" in the "params" of inject file ` + none + ")"},
		{"null in the inject file", nil, []string{"--inject-file", null},
			`invalid param "key" in inject file ` + null + ":1:52: null, and the param is required"},
	}, givenEmpty(t, "key")...)
	wantRefused(t, reg, nil, []string{"keyed"}, "params.key", tests)
}

// givenEmpty returns the ways of giving the required string param key
// empty (in an inject file, with --param, in a config file), each with
// the refusal it gets: the reason is that a required param has no empty
// value.
func givenEmpty(t *testing.T, key string) []refusal {
	t.Helper()
	empty := writeFile(t, "empty.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"`+key+`":""}}`)
	conf := writeFile(t, "conf.yaml", "param:\n  - \""+key+"=\"\n")
	return []refusal{
		{"empty in the inject file", nil, []string{"--inject-file", empty},
			`invalid param "` + key + `" in inject file ` + empty + `:1:` + strconv.Itoa(49+len(key)) + `: "", and the param is required`},
		{"empty --param", nil, []string{"--target", "127.0.0.1", "--param", key + "="},
			`invalid param "` + key + `=" (--param): required: an empty string is no value`},
		{"empty in the config file", nil, []string{"--target", "127.0.0.1", "--config", conf},
			`invalid param "` + key + `=" (config file ` + conf + `:2): required: an empty string is no value`},
	}
}

type modeParams struct {
	Mode string `json:"mode" param:"enum=a|b,required" doc:"how"`
}

type moded struct{}

func (moded) NewParams() any { return &modeParams{} }
func (moded) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[modeParams](in)
	if err != nil {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: err.Error()}}
	}
	return framework.ToolOutput{ExtraSignatures: map[string]any{"mode": p.Mode}}
}
func (m moded) Manifest() framework.Manifest {
	return framework.Manifest{Name: "moded", Params: framework.MustParamsSpec(m.NewParams())}
}

// A required enum param, as docs/writing-an-injector.md offers it
// (`param:"enum=a|b,required"`, NewParams leaving it empty), has no
// default: the injector is listed and runs; a run without it, or with a
// value outside the enum, is refused.
func TestRequiredEnumParamWithoutDefault(t *testing.T) {
	reg := withFake("moded", moded{})
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or stderr for a refusal
	}{
		{"listed", []string{"injectors"}, 0, "moded"},
		{"shown", []string{"injectors", "moded"}, 0, "mode <a|b>, required"},
		{"run with it", []string{"run", "moded", "--target", "127.0.0.1", "--param", "mode=b", "-o", "json"}, 0,
			`"signature_type":"mode","signature_value":"b"`},
		{"run without it", []string{"run", "moded", "--target", "127.0.0.1"}, 2, "missing param mode"},
		{"run with another value", []string{"run", "moded", "--target", "127.0.0.1", "--param", "mode=c"}, 2, `invalid param "mode=c" (--param)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, nil, tt.args...)
			checkExitSays(t, r, tt.code, tt.want)
			if strings.Contains(r.stdout+r.stderr, "BROKEN") || strings.Contains(r.stdout, "mode <a|b>, default") ||
				strings.Contains(r.stdout, "mode <a|b>, no default") {
				t.Errorf("the injector is listed BROKEN or its param with a default:\nstdout %s\nstderr %s", r.stdout, r.stderr)
			}
		})
	}
}

// An integer of the inject file reaches the injector as written, past
// float64's 2^53, as one given with --param does.
func TestInjectFileIntegerKeptExact(t *testing.T) {
	reg := withFake("bare", bare{})
	const port = "9007199254740993" // 2^53+1: no float64
	inject := writeFile(t, "inject.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"port":`+port+`}}`)
	fromFile := run(t, reg, nil, "run", "bare", "--inject-file", inject, "--log-level", "error", "-o", "json")
	fromFlag := run(t, reg, nil, "run", "bare", "--target", "127.0.0.1", "--param", "port="+port, "--log-level", "error", "-o", "json")
	want := `"signature_type":"got","signature_value":"` + port + ` `
	for _, r := range []result{fromFile, fromFlag} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, want 0 with %q:\nstdout %s\nstderr %s", r.code, want, r.stdout, r.stderr)
		}
	}
}

type greetParams struct {
	Greeting string `json:"greeting"`
}

// Validate refuses a blank greeting, as examples/hello does.
func (p *greetParams) Validate() error {
	if strings.TrimSpace(p.Greeting) == "" {
		return &signatures.ValidationError{Field: "greeting", Value: p.Greeting, Reason: "must not be blank"}
	}
	return nil
}

type greeter struct{ idle }

func (greeter) NewParams() any { return &greetParams{Greeting: "hi"} }
func (g greeter) Manifest() framework.Manifest {
	return framework.Manifest{Name: "greeter", Params: framework.MustParamsSpec(g.NewParams())}
}

// A refused --param is quoted as written, its value's white space kept;
// a param of the environment or the config file as read, without the
// white space around the item (TestParamWhiteSpaceBySource).
func TestParamQuotedAsWritten(t *testing.T) {
	reg := withFake("greeter", greeter{})
	conf := writeFile(t, "c.yaml", "param:\n  - \"greeting= \"\n")
	wantRefused(t, reg, nil, []string{"greeter", "--target", "127.0.0.1"}, "", []refusal{
		{"flag", nil, []string{"--param", "greeting= "}, `invalid param "greeting= " (--param): must not be blank`},
		{"flag, a tab", nil, []string{"--param", "greeting=\t"}, `invalid param "greeting=\t" (--param): must not be blank`},
		{"env", map[string]string{"INJECTKIT_PARAM": "greeting= "}, nil, `invalid param "greeting=" (env INJECTKIT_PARAM): must not be blank`},
		{"config file", nil, []string{"--config", conf}, `invalid param "greeting=" (config file ` + conf + `:2): must not be blank`},
	})
}

// A required enum given empty is refused for the reason a required string
// given empty is, not as a value outside the enum.
func TestRequiredEnumParamEmpty(t *testing.T) {
	reg := withFake("moded", moded{})
	wantRefused(t, reg, nil, []string{"moded"}, "not one of", givenEmpty(t, "mode"))
}
