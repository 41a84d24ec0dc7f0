package runtime_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
)

const okTarget = `"targets":[{"value":"127.0.0.1"}]`

func TestDecodeRequestRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // substrings of the error, in order
		field    string   // the *signatures.ValidationError's field, when there is one
	}{
		{"key in another case", `{"inject_id":"f1","injector":"noop",` + okTarget + `,"Inject_ID":"f2"}`,
			[]string{"line 1, column 71", "invalid Inject_ID", "case-sensitive: write inject_id"}, "Inject_ID"},
		{"key in another case alone", `{"INJECTOR":"noop",` + okTarget + `}`,
			[]string{"invalid INJECTOR", "write injector"}, "INJECTOR"},
		{"target key in another case", `{"injector":"noop","targets":[{"VALUE":"127.0.0.1"}]}`,
			[]string{"invalid targets[0].VALUE", "write value"}, "targets[0].VALUE"},
		{"key folding to a field (long s)", `{"injector":"noop","target\u017f":[]}`,
			[]string{`invalid ["targetſ"]`, "write targets"}, `["targetſ"]`},
		{"invalid UTF-8 in a value", "{\"inject_id\":\"bu\xff\",\"injector\":\"noop\"," + okTarget + "}",
			[]string{"line 1, column 17", "not valid UTF-8"}, ""},
		{"invalid UTF-8 on a later line", "{\"injector\":\"noop\",\n" + okTarget + ",\n\"phase\":\"p\xc3\"}",
			[]string{"line 3, column 11", "not valid UTF-8"}, ""},
		{"lone high surrogate escape in an asset", `{"injector":"noop","targets":[{"value":"127.0.0.1","asset":"a\ud800"}]}`,
			[]string{"line 1, column 62", "invalid targets[0].asset", `\ud800, a lone UTF-16 surrogate`}, "targets[0].asset"},
		{"lone low surrogate escape", `{"inject_id":"\uDC00x","injector":"noop",` + okTarget + `}`,
			[]string{"line 1, column 15", "invalid inject_id", `\uDC00, a lone UTF-16 surrogate`}, "inject_id"},
		{"high surrogate before another escape", `{"injector":"noop","targets":[{"value":"127.0.0.1","asset":"\ud83d\u0041"}]}`,
			[]string{"invalid targets[0].asset", `\ud83d, a lone`}, "targets[0].asset"},
		{"two high surrogates", `{"injector":"noop","phase":"\ud83d\ud83d\ude00",` + okTarget + `}`,
			[]string{"line 1, column 29", "invalid phase", `\ud83d, a lone`}, "phase"},
		{"lone surrogate on a later line", "{\"injector\":\"noop\",\n" + okTarget + ",\n\"phase\":\"p\\ud800\"}",
			[]string{"line 3, column 11", "invalid phase"}, "phase"},
		{"lone surrogate in a param key", `{"injector":"noop",` + okTarget + `,"params":{"x\udc00":1}}`,
			[]string{"invalid params: has a key holding \\udc00"}, "params"},
		{"lone surrogate deep in a param", `{"injector":"noop",` + okTarget + `,"params":{"x":["ok",{"y":"\ud800"}]}}`,
			[]string{`invalid params.x[1].y: holds \ud800`}, "params.x[1].y"},
		{"unknown key", `{"injector":"noop",` + okTarget + `,"tags":[]}`,
			[]string{"invalid tags: unknown field (known: expectation_types, inject_id"}, "tags"},
		{"duplicate top-level key", `{"injector":"noop",` + okTarget + `,` + okTarget + `}`,
			[]string{"line 1, column 54", "invalid targets: duplicate key (first at line 1, column 20)"}, "targets"},
		{"duplicate key, escaped differently", `{"inject_id":"a","inject\u005fid":"b","injector":"noop",` + okTarget + `}`,
			[]string{"invalid inject_id: duplicate key"}, "inject_id"},
		{"duplicate target value", `{"injector":"noop","targets":[{"value":"1.1.1.1"},{"value":"127.0.0.1","value":"$(id)"}]}`,
			[]string{"invalid targets[1].value: duplicate key"}, "targets[1].value"},
		{"duplicate param", `{"injector":"noop",` + okTarget + `,"params":{"outcome":"failed","outcome":"success"}}`,
			[]string{"invalid params.outcome: duplicate key"}, "params.outcome"},
		{"param keys equal but for case", `{"injector":"noop",` + okTarget + `,"params":{"outcome":"failed","Outcome":"success"}}`,
			[]string{"invalid params.Outcome: duplicate key: params.outcome names the same parameter"}, "params.Outcome"},
		{"duplicate inside a param value", `{"injector":"noop",` + okTarget + `,"params":{"x":{"a":1,"a":2}}}`,
			[]string{"invalid params.x.a: duplicate key"}, "params.x.a"},
		{"trailing brace", `{"injector":"noop",` + okTarget + `}}`, []string{"line 1, column 54", "trailing data"}, ""},
		{"trailing bracket", `{"injector":"noop",` + okTarget + "}\n]", []string{"line 2, column 1", "trailing data"}, ""},
		{"trailing object", `{"injector":"noop",` + okTarget + `} {"x":1}`, []string{"trailing data"}, ""},
		{"trailing garbage", `{"injector":"noop",` + okTarget + `} x`, []string{"trailing data"}, ""},
		{"negative number timeout", `{"injector":"noop",` + okTarget + `,"timeout":-5}`,
			[]string{`invalid timeout "-5": must be positive`}, "timeout"},
		{"zero number timeout", `{"injector":"noop",` + okTarget + `,"timeout":0}`,
			[]string{`invalid timeout "0": must be positive`}, "timeout"},
		{"negative string timeout", `{"injector":"noop",` + okTarget + `,"timeout":"-5s"}`,
			[]string{`invalid timeout "-5s": must be positive`}, "timeout"},
		{"zero string timeout", `{"injector":"noop",` + okTarget + `,"timeout":"0s"}`,
			[]string{`invalid timeout "0s": must be positive`}, "timeout"},
		{"empty timeout", `{"injector":"noop",` + okTarget + `,"timeout":""}`, []string{"invalid timeout: empty duration"}, "timeout"},
		{"negative fractional timeout", `{"injector":"noop",` + okTarget + `,"timeout":-1.5}`,
			[]string{`invalid timeout "-1.5": must be positive`}, "timeout"},
		{"negative string seconds", `{"injector":"noop",` + okTarget + `,"timeout":"-300"}`,
			[]string{`invalid timeout "-300": must be positive`}, "timeout"},
		// t100: 0300 is not JSON; the decoder reads 0 then fails on 300,
		// which must not be reported as a timeout of 0.
		{"timeout with a leading zero", `{"injector":"noop",` + okTarget + `,"timeout":0300}`,
			[]string{"line 1, column 65", "invalid JSON", "invalid character '3'"}, ""},
		{"negative timeout with a leading zero", `{"injector":"noop",` + okTarget + `,"timeout":-05}`,
			[]string{"line 1, column 66", "invalid JSON", "invalid character '5'"}, ""},
		{"timeout string with data after it", `{"injector":"noop",` + okTarget + `,"timeout":"0"x}`,
			[]string{"line 1, column 67", "invalid JSON", "invalid character 'x'"}, ""},
		{"inject_id number with a leading zero", `{"inject_id":0300,"injector":"noop",` + okTarget + `}`,
			[]string{"line 1, column 15", "invalid JSON", "invalid character '3'"}, ""},
		{"timeout below float64's smallest", `{"injector":"noop",` + okTarget + `,"timeout":1e-400}`,
			[]string{`invalid timeout "1e-400": rounds to 0s`}, "timeout"},
		{"timeout text below float64's smallest", `{"injector":"noop",` + okTarget + `,"timeout":"1e-99999"}`,
			[]string{`invalid timeout "1e-99999": rounds to 0s`}, "timeout"},
		{"huge timeout", `{"injector":"noop",` + okTarget + `,"timeout":1e30}`, []string{`invalid timeout "1e30"`}, "timeout"},
		{"timeout not a duration", `{"injector":"noop",` + okTarget + `,"timeout":"soon"}`,
			[]string{`invalid timeout "soon": not a duration`}, "timeout"},
		{"timeout as an object", `{"injector":"noop",` + okTarget + `,"timeout":{}}`,
			[]string{"invalid timeout: wrong JSON type: an object, want a duration"}, "timeout"},
		{"numeric target", `{"injector":"noop","targets":[{"value":"1.1.1.1"},{"value":2130706433}]}`,
			[]string{`invalid targets[1].value "2130706433": wrong JSON type: a number, want a string`}, "targets[1].value"},
		{"numeric inject id", `{"inject_id":12345,"injector":"noop",` + okTarget + `}`,
			[]string{`invalid inject_id "12345": wrong JSON type: a number, want a string`}, "inject_id"},
		{"targets as an object", `{"injector":"noop","targets":{"value":"1.1.1.1"}}`,
			[]string{"invalid targets: wrong JSON type: an object, want an array"}, "targets"},
		{"expectation as a bool", `{"injector":"noop",` + okTarget + `,"expectation_types":[true]}`,
			[]string{`invalid expectation_types[0] "true": wrong JSON type: a boolean`}, "expectation_types[0]"},
		{"null expectation", `{"injector":"noop",` + okTarget + `,"expectation_types":["DETECTION",null]}`,
			[]string{`invalid expectation_types[1] "null": wrong JSON type: null, want a string`}, "expectation_types[1]"},
		{"null target", `{"injector":"noop","targets":[null]}`,
			[]string{`invalid targets[0] "null": wrong JSON type: null, want an object`}, "targets[0]"},
		{"param number out of range", `{"injector":"noop",` + okTarget + `,"params":{"x":[1e400]}}`,
			[]string{`invalid params.x[0] "1e400": out of range: want a number from -1.7976931348623157e308 to 1.7976931348623157e308`}, "params.x[0]"},
		{"an array", `[{"injector":"noop"}]`, []string{"line 1, column 1", "the file holds an array, want a JSON object"}, ""},
		{"null", `null`, []string{"the file holds null, want a JSON object"}, ""},
		{"empty", ``, []string{"invalid JSON", "unexpected EOF"}, ""},
		{"cut short", `{"injector":"noop",`, []string{"invalid JSON", "unexpected EOF"}, ""},
		{"byte order mark not first", " \ufeff{}", []string{"line 1, column 2", "invalid JSON"}, ""},
		{"trailing comma", `{"injector":"noop",}`, []string{"line 1, column 20", "invalid JSON"}, ""},
		{"deep nesting", `{"params":{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`,
			[]string{"exceeded max depth"}, ""},
		{"long key is cut in the message", `{"` + strings.Repeat("k", 1000) + `":1}`, []string{"…", "unknown field"}, ""},
		{"empty expectation_types", `{"injector":"noop",` + okTarget + `,"expectation_types":[]}`,
			[]string{`invalid expectation_types "[]": an empty list asks for no expectation`}, "expectation_types"},
		// Each error of the JSON is at the character it names, however
		// far down the file: the decoder's offset counted the bytes of
		// the values it read alone.
		{"bad escape on a later line", "{\"injector\":\"noop\",\n" + okTarget + ",\n\"inject_id\":\"x\",\n \"phase\":\"a\\x\"}",
			[]string{"line 4, column 13", "invalid JSON", "invalid character 'x' in string escape code"}, ""},
		{"bad literal on a later line", "{\"injector\":\"noop\",\n" + okTarget + ",\n \"phase\":tru}",
			[]string{"line 3, column 13", "invalid JSON", "invalid character '}' in literal true"}, ""},
		{"bad number after many values", `{"injector":"noop","targets":[{"value":"1.1.1.1"},{"value":"1.1.1.2"}],"params":{"a":"b","n":1.x}}`,
			[]string{"line 1, column 96", "invalid JSON", "invalid character 'x' after decimal point"}, ""},
		{"a character after a value", `{"injector":"noop"x}`, []string{"line 1, column 19", "invalid JSON", "invalid character 'x' after object key:value pair"}, ""},
		{"multi-line position", "{\n  \"injector\": \"noop\",\n  \"timeout\": -5\n}", []string{"line 3, column 14", "invalid timeout"}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.DecodeRequest(strings.NewReader(tt.in))
			var re *runtime.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *runtime.RequestError", err)
			}
			msg, rest := err.Error(), err.Error()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error %q: no %q (in order)", msg, w)
				}
				rest = rest[i+len(w):]
			}
			if len(msg) > 600 {
				t.Errorf("error of %d bytes echoes too much", len(msg))
			}
			if tt.field != "" {
				frameworktest.WantInvalid(t, err, tt.field)
			}
		})
	}
}

func TestDecodeRequestAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		want     runtime.Request
	}{
		{"all fields", `{"inject_id":"i-1","injector":"noop","expectation_types":["DETECTION"],` + okTarget +
			`,"params":{"outcome":"failed","delay":"1s"},"timeout":"90s","phase":"p"}`,
			runtime.Request{InjectID: "i-1", Injector: "noop", ExpectationTypes: []string{"DETECTION"},
				Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}, Params: map[string]any{"outcome": "failed", "delay": "1s"},
				Timeout: runtime.Duration(90 * time.Second), Phase: "p"}},
		{"a bare number is seconds", `{"injector":"noop",` + okTarget + `,"timeout":300}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}, Timeout: runtime.Duration(300 * time.Second)}},
		{"fractional seconds", `{"injector":"noop",` + okTarget + `,"timeout":1.5}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}, Timeout: runtime.Duration(1500 * time.Millisecond)}},
		{"a string of seconds", `{"injector":"noop",` + okTarget + `,"timeout":"300"}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}, Timeout: runtime.Duration(300 * time.Second)}},
		{"null is left out", `{"injector":"noop",` + okTarget + `,"timeout":null,"phase":null,"params":null}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}}},
		{"empty params are none", `{"injector":"noop",` + okTarget + `,"params":{}}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}}},
		{"a byte order mark first", "\ufeff{\"injector\":\"noop\"," + okTarget + "}\n",
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}}},
		{"white space around", " \n\t{\"injector\":\"noop\"," + okTarget + "}\n\n ",
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}}},
		{"surrogate pair, escaped backslash, U+FFFD as written", `{"injector":"noop","targets":[{"value":"127.0.0.1","asset":"a\ud83d\ude00 \\ud800 \ufffd ` + "\ufffd" + `"}]}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1", Asset: "a\U0001F600 \\ud800 \uFFFD \uFFFD"}}}},
		{"white space around addresses, cloud providers and accounts, regions, services and queries dropped; ids kept",
			`{"injector":"noop","targets":[{"value":" 127.0.0.1\t","asset":" a1 "},{"target_ipv4":" 10.0.0.1","target_hostname":"h.example \n"},` +
				`{"cloud_provider":" aws","cloud_account_id":"1 ","cloud_region":" eu-west-1 ","target_service":" s3 ","agent":" ag "},{"query":" port:22 "}]}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "127.0.0.1", Asset: " a1 "},
				{TargetIPv4: "10.0.0.1", TargetHostname: "h.example"},
				{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1", TargetService: "s3", Agent: " ag "}, {Query: "port:22"}}}},
		{"same key in different objects", `{"injector":"noop","targets":[{"value":"1.1.1.1"},{"value":"1.1.1.2"}],"params":{"x":{"value":1}}}`,
			runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "1.1.1.1"}, {Value: "1.1.1.2"}},
				Params: map[string]any{"x": map[string]any{"value": json.Number("1")}}}}, // as written
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runtime.DecodeRequest(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRequestNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inject.json")
	if err := os.WriteFile(path, []byte("{\n\"injector\": \"noop\",\n\"timeout\": -5\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = runtime.DecodeRequest(f)
	if want := "inject file " + path + ":3:12: invalid timeout \"-5\""; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want it to start with %q", err, want)
	}
}

func TestDurationJSON(t *testing.T) {
	var d runtime.Duration
	for _, bad := range []string{`-5`, `0`, `"0s"`, `"-1ms"`, `""`, `"x"`, `-1.5`, `true`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s: accepted as %v", bad, d)
		}
	}
	for in, want := range map[string]time.Duration{`5`: 5 * time.Second, `1.5`: 1500 * time.Millisecond, `"90"`: 90 * time.Second,
		`"1m30s"`: 90 * time.Second} {
		if err := json.Unmarshal([]byte(in), &d); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v, %v; want %v", in, d, err, want)
		}
	}
	d = 7
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || d != 7 {
		t.Errorf("null: %v, %v; want it left as it was", d, err)
	}
}

// TestDecodeRequestTargetFields: each field of a target is read, whatever
// its place, escapes in its key or value, or null.
func TestDecodeRequestTargetFields(t *testing.T) {
	fields := reflect.TypeFor[runtime.TargetSpec]()
	for i := range fields.NumField() {
		if !fields.Field(i).IsExported() {
			continue // what the reader notes of a field (a blank one), no field of the file
		}
		key, _, _ := strings.Cut(fields.Field(i).Tag.Get("json"), ",")
		want := runtime.TargetSpec{}
		reflect.ValueOf(&want).Elem().Field(i).SetString("x\"é\\y")
		escapedKey := strings.Replace(key, "_", `\u005f`, 1)
		if escapedKey == key {
			escapedKey = `\u` + fmt.Sprintf("%04x", key[0]) + key[1:]
		}
		null := "agent" // another field, null: the same as left out
		if key == null {
			null = "asset"
		}
		for _, in := range []string{
			`{"` + key + `":"x\"\u00e9\\y"}`,
			`{ "` + escapedKey + `" : "x\"é\\y" , "` + null + `" : null }`,
		} {
			req, err := runtime.DecodeRequest(strings.NewReader(`{"injector":"noop","targets":[{"value":"1.1.1.1"},` + in + `]}`))
			switch {
			case err != nil:
				t.Errorf("%s: %v", in, err)
			case len(req.Targets) != 2 || req.Targets[1] != want:
				t.Errorf("%s: targets %+v, want [1.1.1.1 %+v]", in, req.Targets, want)
			}
		}
	}
}

// DecodeInjectFile says where the file writes each value a later error
// may name (Places), and Each gives the line each target starts on.
func TestInjectFilePlaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	data := "\ufeff" + `{"injector": "noop",
 "inject_id": "i-1", "phase": "execution_complete",
 "expectation_types": ["DETECTION",
   "PREVENTION"],
 "targets": [{"value": "10.0.0.1"}, {"value": "10.0.0.2"},
   {
     "value": "10.0.0.3"
   },
   {"value": "10.0.0.4"}],
 "params": {"ports": "22",
   "creds": {"user": "u"}, "odd key": 1}}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, targets, err := runtime.DecodeInjectFile(path, b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ field, want string }{
		{"inject_id", ":2:15"},
		{"phase", ":2:31"},
		{"expectation_types", ":3:23"},
		{"expectation_types[1]", ":4:4"},
		{"params.ports", ":10:22"},
		{"params.creds", ":11:13"},
		{"params.creds.user", ":11:13"}, // within a param: the param
		{"params.odd key", ":11:39"},
		{"params.missing", ""},
		{"targets[0].value", ""}, // Each's lines
		{"timeout", ""},
	}
	for _, tt := range tests {
		if got, want := targets.Places().Of(tt.field), "inject file "+path+tt.want; got != want {
			t.Errorf("Of(%s) = %q, want %q", tt.field, got, want)
		}
	}
	var lines []int
	if err := targets.Each(func(_ runtime.TargetSpec, line int) error {
		lines = append(lines, line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 5, 6, 9}; !slices.Equal(lines, want) {
		t.Errorf("targets start on lines %v, want %v", lines, want)
	}
	if got := (runtime.FilePlaces{}).Of("phase"); !strings.HasPrefix(got, "inject file") {
		t.Errorf("the zero FilePlaces names %q", got)
	}
}
