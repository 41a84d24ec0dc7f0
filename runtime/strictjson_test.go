package runtime

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/signatures"
)

// checkJSONSeeds are inputs checkJSON and the oracle must judge alike:
// accepted ones of every shape, and one of each error, each at a place.
var checkJSONSeeds = []string{
	`{"inject_id":"i-1","injector":"noop","expectation_types":["DETECTION", "PREVENTION"],"targets":[{"value":"127.0.0.1"},{"target_ipv4":"10.0.0.1","asset":"a"}],` +
		`"params":{"outcome":"failed","delay":"1s","n":[1,2.5,-0.5e-3,{"a":null,"b":true}],"odd key":1e400},"timeout":"90s","phase":"p"}`,
	"{ \"injector\" : \"noop\" ,\r\n \"targets\" :\n [ {\"value\":\"1.1.1.1\"} ,\r{ \"value\" : \"::1\" } ] , \"timeout\" : 1.5 }\n",
	`{"injector":null,"targets":null,"params":null,"expectation_types":null,"timeout":null}`,
	`{"targets":[],"params":{}}`, `{}`, ` {} `, `{"params":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"a":11}}`,
	`{"params":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"J":11}}`,
	`{"params":{"x":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":{"a":1,"a":2}}}}`,
	`{"inject_id":"f1","Inject_ID":"f2"}`, `{"INJECTOR":"noop"}`, `{"tags":[]}`, `{"target\u017f":[]}`,
	`{"injector":"noop","injector":"x"}`, `{"inject_id":"a","inject\u005fid":"b"}`,
	`{"targets":[{"value":"1","value":"2"}]}`, `{"params":{"k":1,"K":2}}`, `{"params":{"straße":1,"STRASSE":2,"ſ":3,"s":4}}`,
	`{"targets":[{"value":"a\ud800"}]}`, `{"phase":"\ud83d\ude00\ud83d"}`, `{"phase":"\uDC00x"}`, `{"params":{"x\udc00":1}}`,
	`{"params":{"x":["ok",{"y":"\ud800"}]}}`, `{"phase":"\ud83d\u0041"}`, `{"phase":"a\"\\\/\b\f\n\r\t\u00e9"}`,
	`{"timeout":-5}`, `{"timeout":0}`, `{"timeout":"-5s"}`, `{"timeout":""}`, `{"timeout":"x"}`, `{"timeout":true}`, `{"timeout":"\u0035s"}`,
	`{"timeout":01}`, `{"timeout":-05}`, `{"timeout":0300}`, `{"timeout":0x}`, `{"timeout":-5,}`, `{"timeout":-5 x}`, `{"timeout":-5`,
	`{"phase":5}`, `{"phase":true}`, `{"phase":[]}`, `{"phase":{}}`, `{"targets":{}}`, `{"targets":[null]}`, `{"targets":["x"]}`,
	`{"targets":[1,]}`, `{"targets":[1 2]}`, `{"targets":[,]}`, `{"expectation_types":["A",5]}`, `{"expectation_types":[null]}`,
	`{"params":{"x":1e400}}`, `{"params":{"x":[1e400]}}`, `{"params":{"x":{"y":-1e999}}}`, `{"params":{"odd key":null}}`,
	`{"a":1}}`, `{} {}`, `{} x`, "{}\n]", `{"injector":"noop"} "`, `[]`, `null`, `"x"`, `"x" y`, `5`, `true`, `-`, ``, ` `, `{`, `{"`, `{"a`,
	`{"a"`, `{"a" 1}`, `{"a":}`, `{,}`, `{"inject_id":"x",}`, `{"inject_id":"x" "phase":"y"}`, `{"inject_id":"x"]`, `{"targets":[}`,
	`{"phase":"a` + "\n" + `"}`, `{"phase":"\x"}`, `{"phase":"\u12"}`, `{"phase":"\u12G4"}`, `{"phase":tru}`, `{"phase":nul}`, `{"phase":falsey}`,
	`{"params":{"n":1.}}`, `{"params":{"n":1.e5}}`, `{"params":{"n":1e}}`, `{"params":{"n":1e+}}`, `{"params":{"n":.5}}`, `{"params":{"n":+1}}`,
	`{"params":{"n":[[[[[]]]]]}}`, "\ufeff{}", `{"targets":[{"value":"1.1.1.1"},{"value":"1.1.1.1"}]}`,
	strings.Repeat(`{"params":`, 3) + `1` + strings.Repeat(`}`, 3),
	// Errors in a long token, past the window the byte at fault is first
	// looked for in (badByte), and far down a file.
	`{"phase":"` + strings.Repeat("x", 509) + `\x"}`, `{"phase":"` + strings.Repeat("x", 600) + `\x"}`,
	`{"phase":"` + strings.Repeat("é", 3000) + `\n\t\u00e9\u12x4`, `{"phase":` + strings.Repeat("1", 5000) + `.e}`,
	`{"targets":[` + strings.Repeat(`{"value":"1.1.1.1"},`, 500) + `{"value":tru}]}`,
	`{"targets":[` + strings.Repeat(`{"value":"1.1.1.1"} , `, 500) + `{"value":"x"}x]}`,
	`{"targets":[` + strings.Repeat(`{"value":"1.1.1.1"},`, 500) + `{"value":"x"}],"phase":5 ]`,
	`{"params":{"x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}}`,
	`{"params":{"x":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}}`,
}

// FuzzCheckJSON: checkJSON, reading the bytes itself, judges each input
// as the walk with encoding/json's Decoder.Token it replaced did (the
// oracle, strictjson_oracle_test.go): the same error at the same line and
// column, or the same places kept.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range checkJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			t.Skip("checkJSON reads valid UTF-8 alone (DecodeInjectFile checks it first)")
		}
		compareCheckJSON(t, data)
	})
}

// compareCheckJSON fails t when checkJSON and the oracle judge data
// apart.
func compareCheckJSON(t *testing.T, data []byte) {
	t.Helper()
	got, err := checkJSON(data)
	want, wantErr := oracleCheckJSON(data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: checkJSON: %v; the oracle: %v", data, err, wantErr)
	}
	if err != nil {
		if g, w := describeCheckError(data, err), describeCheckError(data, wantErr); g != w {
			t.Fatalf("%q:\n checkJSON:  %s\n the oracle: %s", data, g, w)
		}
		return
	}
	if got.list != want.list || got.n != want.n {
		t.Errorf("%q: targets at %d, %d of them; the oracle: at %d, %d", data, got.list, got.n, want.list, want.n)
	}
	if !maps.Equal(got.places, want.places) || !maps.Equal(got.keys, want.keys) {
		t.Errorf("%q: places %v, keys %v; the oracle: %v, %v", data, got.places, got.keys, want.places, want.keys)
	}
}

// describeCheckError is what a user reads of a checkJSON error (its
// place, its text) and what a caller branches on (its types).
func describeCheckError(data []byte, err error) string {
	var pe *posError
	if !errors.As(err, &pe) {
		return fmt.Sprintf("not a *posError: %T %v", err, err)
	}
	line, col := Position(data, pe.off)
	var ve *signatures.ValidationError
	field := ""
	if errors.As(err, &ve) {
		field = fmt.Sprintf(" (field %q value %q reason %q)", ve.Field, ve.Value, ve.Reason)
	}
	return fmt.Sprintf("%d:%d: %T %v%s", line, col, pe.err, err, field)
}

// BenchmarkCheckJSON: checkJSON over an inject file of 1 MiB and 32 MiB,
// each target one of four addresses (a list pasted from elsewhere), and
// the walk with encoding/json's Decoder.Token it replaced (the oracle).
func BenchmarkCheckJSON(b *testing.B) {
	for _, size := range []int{1 << 20, 32 << 20} {
		data := benchInjectFile(size)
		for _, walk := range []struct {
			name  string
			check func([]byte) error
		}{
			{"bytes", func(d []byte) error { _, err := checkJSON(d); return err }},
			{"decoder", func(d []byte) error { _, err := oracleCheckJSON(d); return err }},
		} {
			b.Run(fmt.Sprintf("size=%dMiB/walk=%s", size>>20, walk.name), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := walk.check(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// benchInjectFile returns an inject file of about size bytes.
func benchInjectFile(size int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"inject_id":"inject-bench-001","injector":"noop","expectation_types":["DETECTION","PREVENTION"],` +
		`"params":{"outcome":"success","delay":"1s"},"timeout":"5m","targets":[`)
	for i := 0; sb.Len() < size-32; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"value":"127.0.0.%d"}`, i%4+1)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}
