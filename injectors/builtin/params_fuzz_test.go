package builtin_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// FuzzDecodeParams: the "params" of an inject (an inject file, a
// platform message, a queue's message) reach each reference injector
// through framework.DecodeParams, read as the runtime reads them (numbers
// kept as written). Whatever they hold, no injector's params code panics;
// a refusal is a *signatures.ValidationError on "params.<name>", a name
// the inject wrote or one of the injector's manifest; params accepted
// pass CheckParams (what the runtime checks again before Execute), and
// decode alike a second time. Seeds: the params of the injectors'
// testdata cases.
func FuzzDecodeParams(f *testing.F) {
	for _, glob := range []string{"../cloudscan/testdata/cases/*/case.json", "../nmap/testdata/*/inject.json"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			var doc struct {
				Params json.RawMessage `json:"params"`
			}
			if json.Unmarshal(b, &doc) == nil && len(doc.Params) > 0 {
				f.Add(string(doc.Params))
			}
		}
	}
	f.Add(`{"query":"port:22 country:FR","max_results":5}`)
	f.Add(`{"timeout":"-1s","ports":"1-65536","max_results":1e400,"concurrency":null}`)
	f.Add(`{"services":["s3","ec2",""],"regions":[],"retry_max_backoff":"9223372036854775807ns"}`)
	f.Add(`{"unknown":{"a":[1,2]},"scan_type":"\u0000"}`)
	executors := []interface {
		framework.Executor
		framework.Manifester
	}{noop.New(), nmap.New(), query.New(), cloudscan.New()}
	f.Fuzz(func(t *testing.T, params string) {
		dec := json.NewDecoder(strings.NewReader(params))
		dec.UseNumber()
		var raw map[string]any
		if dec.Decode(&raw) != nil || raw == nil {
			return
		}
		for _, ex := range executors {
			m := ex.Manifest()
			p, err := framework.DecodeParams(ex, clone(raw))
			again, errAgain := framework.DecodeParams(ex, clone(raw))
			if errorText(err) != errorText(errAgain) || !reflect.DeepEqual(p, again) {
				t.Fatalf("%s: params %s decode as %#v, %v, then %#v, %v", m.Name, params, p, err, again, errAgain)
			}
			if err == nil {
				if err := framework.CheckParams(ex, p); err != nil {
					t.Fatalf("%s: params %s accepted as %#v, then refused by CheckParams: %v", m.Name, params, p, err)
				}
				continue
			}
			var pe *hook.PanicError
			if errors.As(err, &pe) {
				t.Fatalf("%s: params %s: %v", m.Name, params, err)
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%s: params %s refused with %T %v, want a *signatures.ValidationError", m.Name, params, err, err)
			}
			name, ok := strings.CutPrefix(ve.Field, "params.")
			if _, written := raw[name]; !ok || !written && !slices.Contains(m.ParamNames(), name) {
				t.Fatalf("%s: params %s refused on %q (%v), want params.<a param written or of the manifest>", m.Name, params, ve.Field, err)
			}
		}
	})
}

// clone copies raw deep enough that a decoding cannot change the next.
func clone(raw map[string]any) map[string]any {
	b, err := json.Marshal(raw)
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
