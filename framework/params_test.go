package framework_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Validate makes *scanParams a framework.Validator.
func (p *scanParams) Validate() error {
	if p.Port < 1 || p.Port > 65535 {
		return &signatures.ValidationError{Field: "port", Value: "out of range", Reason: "must be between 1 and 65535"}
	}
	return nil
}

// scanner is an executor whose params are scanParams.
type scanner struct {
	// rootless, when set, is what ValidateParams returns.
	rootless error
}

func (scanner) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (scanner) NewParams() any             { return defaultScan() }
func (s scanner) ValidateParams(any) error { return s.rootless }
func (s scanner) Manifest() framework.Manifest {
	return framework.Manifest{Name: "scanner", Params: framework.MustParamsSpec(s.NewParams())}
}

// mapped is an executor without ParamsFactory.
type mapped struct{}

func (mapped) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

func TestDecodeParams(t *testing.T) {
	withToken := func(m map[string]any) map[string]any {
		m["token"] = "t"
		return m
	}
	tests := []struct {
		name   string
		raw    map[string]any
		check  func(*scanParams) bool
		field  string // of the error, "" when none
		reason string
	}{
		{"defaults and token", withToken(map[string]any{}), func(p *scanParams) bool { return *p == *tokened(defaultScan(), "t") }, "", ""},
		{"duration string", withToken(map[string]any{"wait": "1m"}), func(p *scanParams) bool { return p.Wait == time.Minute }, "", ""},
		{"duration seconds", withToken(map[string]any{"wait": 2.5}), func(p *scanParams) bool { return p.Wait == 2500*time.Millisecond }, "", ""},
		{"duration seconds as text", withToken(map[string]any{"wait": "90"}), func(p *scanParams) bool { return p.Wait == 90*time.Second }, "", ""},
		{"duration int", withToken(map[string]any{"wait": 3}), func(p *scanParams) bool { return p.Wait == 3*time.Second }, "", ""},
		{"key in another case", withToken(map[string]any{"Port": 22.0}), nil, "params.Port", "unknown parameter; keys are case-sensitive: write port"},
		{"lower-case name in upper case", withToken(map[string]any{"Port": 22.0}), nil, "params.Port", "keys are case-sensitive: write port"},
		{"embedded field", withToken(map[string]any{"verbose": true}), func(p *scanParams) bool { return p.Verbose }, "", ""},
		{"missing required", map[string]any{"port": 22.0}, nil, "params.token", "required"},
		{"unknown key", withToken(map[string]any{"speed": 3.0}), nil, "params.speed", "unknown parameter (known: mode, name, port, retries, token, verbose, wait)"},
		{"bad duration", withToken(map[string]any{"wait": "soon"}), nil, "params.wait", "not a duration"},
		{"negative duration", withToken(map[string]any{"wait": -1.0}), nil, "params.wait", "negative duration"},
		{"duration of another type", withToken(map[string]any{"wait": true}), nil, "params.wait", "not a duration"},
		{"wrong JSON type", withToken(map[string]any{"port": "22"}), nil, "params.port", "wrong JSON type, want a whole number"},
		{"duration below a nanosecond", withToken(map[string]any{"wait": 1e-10}), nil, "params.wait", "rounds to 0s"},
		{"duration string below a nanosecond", withToken(map[string]any{"wait": "0.1ns"}), nil, "params.wait", "rounds to 0s"},
		{"duration seconds text below a nanosecond", withToken(map[string]any{"wait": "1e-10"}), nil, "params.wait", "rounds to 0s"},
		{"duration seconds text below float64's smallest", withToken(map[string]any{"wait": "1e-400"}), nil, "params.wait", "rounds to 0s"},
		{"duration number below float64's smallest", withToken(map[string]any{"wait": json.Number("1e-324")}), nil, "params.wait", "rounds to 0s"},
		{"duration zero", withToken(map[string]any{"wait": 0.0}), func(p *scanParams) bool { return p.Wait == 0 }, "", ""},
		{"duration zero as text", withToken(map[string]any{"wait": "0s"}), func(p *scanParams) bool { return p.Wait == 0 }, "", ""},
		{"out of range for the field", withToken(map[string]any{"retries": 300.0}), nil, "params.retries", "must be between 0 and 255"},
		{"bad enum", withToken(map[string]any{"mode": "medium"}), nil, "params.mode", "not one of fast, slow"},
		{"Validate names the field", withToken(map[string]any{"port": 0.0}), nil, "params.port", "between 1 and 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := framework.DecodeParams(scanner{}, tt.raw)
			if tt.field != "" {
				var ve *signatures.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.field || !strings.Contains(ve.Reason, tt.reason) {
					t.Fatalf("DecodeParams = %v, want a validation error on %s saying %q", err, tt.field, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p := v.(*scanParams); !tt.check(p) {
				t.Errorf("decoded %+v", p)
			}
		})
	}
}

// A value the user wrote as an object or a list is quoted back as JSON.
func TestDecodeParamsQuotesObjectsAsJSON(t *testing.T) {
	for raw, want := range map[string]any{`{"a":{"b":1}}`: map[string]any{"a": map[string]any{"b": 1.0}}, `[1,"x"]`: []any{1.0, "x"}} {
		_, err := framework.DecodeParams(scanner{}, map[string]any{"token": "t", "wait": want})
		var ve *signatures.ValidationError
		if !errors.As(err, &ve) || ve.Field != "params.wait" || ve.Value != raw {
			t.Errorf("DecodeParams(wait: %s) = %v, want the value quoted as %s", raw, err, raw)
		}
	}
}

func tokened(p *scanParams, token string) *scanParams {
	p.Token = token
	return p
}

func TestDecodeParamsFallbacks(t *testing.T) {
	// Without ParamsFactory the params stay a map.
	v, err := framework.DecodeParams(mapped{}, nil)
	if m, ok := v.(map[string]any); err != nil || !ok || m == nil {
		t.Errorf("DecodeParams(no factory, nil) = %#v, %v; want an empty map", v, err)
	}
	// The executor's ParamsValidator runs after Validate; its validation
	// error is named under params, another error is returned as is.
	errRoot := errors.New("needs root")
	_, err = framework.DecodeParams(scanner{rootless: errRoot}, map[string]any{"token": "t"})
	if !errors.Is(err, errRoot) {
		t.Errorf("DecodeParams = %v, want the ParamsValidator's error", err)
	}
	_, err = framework.DecodeParams(scanner{rootless: &signatures.ValidationError{Field: "mode", Reason: "no"}}, map[string]any{"token": "t"})
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Field != "params.mode" {
		t.Errorf("DecodeParams = %v, want a validation error on params.mode", err)
	}
}

func TestParseParam(t *testing.T) {
	m := scanner{}.Manifest()
	tests := []struct {
		key, value string
		want       any
		reason     string // of the error, "" when none
	}{
		{"port", "22", 22, ""},
		{"verbose", "true", true, ""},
		{"mode", "slow", "slow", ""},
		{"wait", "90", "1m30s", ""},
		{"wait", "2m", "2m0s", ""},
		{"token", "abc", "abc", ""},
		{"port", "x", nil, "not an integer"},
		{"verbose", "yes", nil, "not a boolean"},
		{"verbose", "false", false, ""},
		// The spellings an inject file takes, no others (see
		// TestParamSpellingsAgree).
		{"port", "22.0", 22, ""},
		{"port", "2.2e1", 22, ""},
		{"port", "22.5", nil, "not an integer"},
		{"port", "+22", nil, "not an integer"},
		// The refusal says the spellings taken: 022 is an integer, but
		// not as JSON writes one.
		{"port", "022", nil, "not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5)"},
		{"port", " 22", nil, "not an integer"},
		{"port", "010", nil, "a leading 0 is octal to some readers, decimal to others"},
		// A bool's text is read as a bool setting's is (scalar.Bool):
		// strconv's forms, INJECTKIT_INSECURE=1's too; yes and on are not.
		{"verbose", "1", true, ""},
		{"verbose", "0", false, ""},
		{"verbose", "TRUE", true, ""},
		{"verbose", "False", false, ""},
		{"verbose", "t", true, ""},
		{"verbose", "on", nil, "not a boolean: want true or false (also 1, 0, t, f, TRUE, FALSE, True, False, T, F)"},
		{"mode", "medium", nil, "not one of fast, slow"},
		{"wait", "x", nil, "not a duration"},
		{"wait", "-5s", nil, "negative duration"},
		{"speed", "3", nil, "unknown parameter"},
		{"PORT", "22", nil, "unknown parameter; keys are case-sensitive: write port"},
	}
	for _, tt := range tests {
		got, err := m.ParseParam(tt.key, tt.value)
		if tt.reason != "" {
			wantValue := tt.value
			if strings.HasPrefix(tt.reason, "unknown parameter") {
				wantValue = "" // an unknown param's value is never quoted
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Value != wantValue || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("ParseParam(%s=%s) = %v, want a validation error on params.%s saying %q", tt.key, tt.value, err, tt.key, tt.reason)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseParam(%s=%s) = %#v, %v; want %#v", tt.key, tt.value, got, err, tt.want)
		}
	}
	// What ParseParam returns decodes to what it said.
	raw := map[string]any{"token": "t"}
	raw["wait"], _ = m.ParseParam("wait", "90")
	v, err := framework.DecodeParams(scanner{}, raw)
	if err != nil || v.(*scanParams).Wait != 90*time.Second {
		t.Errorf("wait=90 decoded to %+v, %v; want 90s", v, err)
	}
	if got, err := (*framework.Manifest)(nil).ParseParam("anything", "x"); got != "x" || err != nil {
		t.Errorf("ParseParam without a manifest = %v, %v", got, err)
	}
}

func TestParamsOf(t *testing.T) {
	p := defaultScan()
	tests := []struct {
		name    string
		in      *framework.Inject
		want    *scanParams
		wantErr error
	}{
		{"pointer", &framework.Inject{Params: p}, p, nil},
		{"value", &framework.Inject{Params: *p}, p, nil},
		{"nil params", &framework.Inject{}, nil, framework.ErrNoParams},
		{"nil pointer", &framework.Inject{Params: (*scanParams)(nil)}, nil, framework.ErrNoParams},
		{"nil inject", nil, nil, framework.ErrNoParams},
		{"map", &framework.Inject{Params: map[string]any{}}, nil, framework.ErrParamsType},
		{"another struct", &framework.Inject{Params: &Common{}}, nil, framework.ErrParamsType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := framework.ParamsOf[scanParams](tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("ParamsOf = %v, %v; want %v", got, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "framework_test.scanParams") {
					t.Errorf("error %q does not name the wanted type", err)
				}
				return
			}
			if err != nil || *got != *tt.want {
				t.Fatalf("ParamsOf = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	// The pointer itself is returned: changes reach the inject's params.
	if got, _ := framework.ParamsOf[scanParams](&framework.Inject{Params: p}); got != p {
		t.Error("ParamsOf copied a *T")
	}
}

// mapValidator validates its params without a ParamsFactory.
type mapValidator struct{}

func (mapValidator) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

func (mapValidator) ValidateParams(p any) error {
	if m, _ := p.(map[string]any); m["bad"] != nil {
		return errors.New("bad is not allowed")
	}
	return nil
}

func TestDecodeParamsValidatesMaps(t *testing.T) {
	if _, err := framework.DecodeParams(mapValidator{}, map[string]any{"ok": 1}); err != nil {
		t.Errorf("valid map: %v", err)
	}
	if _, err := framework.DecodeParams(mapValidator{}, map[string]any{"bad": 1}); err == nil {
		t.Error("a map the executor's ValidateParams refuses was accepted")
	}
}

// A JSON null on an optional param keeps its default, whatever its type.
func TestDecodeParamsNullKeepsTheDefault(t *testing.T) {
	for _, name := range []string{"mode", "port", "retries", "wait", "name", "verbose"} {
		t.Run(name, func(t *testing.T) {
			v, err := framework.DecodeParams(scanner{}, map[string]any{"token": "t", name: nil})
			if err != nil {
				t.Fatalf("DecodeParams(%s: null) = %v, want the default", name, err)
			}
			if got, want := *v.(*scanParams), *tokened(defaultScan(), "t"); got != want {
				t.Errorf("DecodeParams(%s: null) = %+v, want the defaults %+v", name, got, want)
			}
		})
	}
}

// A JSON null is quoted as the user wrote it, not as Go prints nil.
func TestDecodeParamsNullQuoted(t *testing.T) {
	_, err := framework.DecodeParams(scanner{}, map[string]any{"token": nil})
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Value != "null" {
		t.Errorf("DecodeParams = %v, want the value quoted as null", err)
	}
}

// An executor without ParamsFactory gets the numbers of params decoded as
// written (json.Number, as runtime.DecodeRequest keeps them) as
// encoding/json gives them in a map: float64, nested ones too.
func TestDecodeParamsMapNumbersAsJSONGivesThem(t *testing.T) {
	const text = `{"n":3,"f":1.5,"s":"x","o":{"m":[1,{"k":2}]},"l":[]}`
	var written, want map[string]any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&written); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		t.Fatal(err)
	}
	got, err := framework.DecodeParams(mapped{}, written)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeParams = %#v, %v; want %#v", got, err, want)
	}
}

// wideParams has an integer field wider than a float64's 53 bits.
type wideParams struct {
	N int64 `json:"n"`
}

type wide struct{ mapped }

func (wide) NewParams() any { return &wideParams{} }

// A number written in the params (json.Number) decodes into an integer
// field as its value: exact past 2^53, 1.0 and 1.5e3 as whole numbers; one
// out of range is refused quoting it as written.
func TestDecodeParamsNumbersAsWritten(t *testing.T) {
	tests := []struct {
		written string
		want    int64  // when accepted
		refused string // the error's quote of the value, "" when accepted
	}{
		{"9007199254740993", 1<<53 + 1, ""},
		{"-9223372036854775808", -1 << 63, ""},
		{"1.0", 1, ""},
		{"1.5e3", 1500, ""},
		{"99999999999999999999", 0, `"99999999999999999999": must be between`},
		{"1e20", 0, `"1e20": must be between`},
		{"1.5", 0, `"1.5": not an integer as JSON writes one`},
	}
	for _, tt := range tests {
		t.Run(tt.written, func(t *testing.T) {
			got, err := framework.DecodeParams(wide{}, map[string]any{"n": json.Number(tt.written)})
			switch {
			case tt.refused != "":
				if err == nil || !strings.Contains(err.Error(), tt.refused) {
					t.Errorf("DecodeParams(n: %s) = %v, want an error quoting %s", tt.written, err, tt.refused)
				}
			case err != nil || got.(*wideParams).N != tt.want:
				t.Errorf("DecodeParams(n: %s) = %v, %v; want %d", tt.written, got, err, tt.want)
			}
		})
	}
}
