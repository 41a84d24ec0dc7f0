package runtime_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// FuzzDecodeRequest: DecodeRequest never panics, and a request it accepts
// encodes back to JSON that decodes to the same request.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"inject_id":"i-1","injector":"noop","expectation_types":["DETECTION","prevention"],` + okTarget +
			`,"params":{"outcome":"failed","delay":"1s","n":[1,2.5,{"a":null}]},"timeout":"90s","phase":"p"}`,
		`{"injector":"noop","targets":[{"target_ipv4":"10.0.0.1","asset":"a<&>\u2028","agent":"\u0000"}],"timeout":1}`,
		`{"injector":"noop","targets":[{"cloud_provider":"aws","cloud_account_id":"1","cloud_region":"eu-west-1"}]}`,
		`{"injector":"noop","targets":[],"timeout":9223372036854775807}`,
		`{"inject_id":"f1","Inject_ID":"f2"}`, `{"a":1}}`, `{"timeout":-5}`, `{"params":{"k":1,"K":2}}`,
		"{\"phase\":\"\xff\xfe\"}", `{"params":{"x":1e400}}`, `[]`, `null`, ``,
		`{"injector":"noop","timout":"5m"}`, `{"targets":[{"vaule":"127.0.0.1"}]}`, `{"TimeOut":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := runtime.DecodeRequest(strings.NewReader(string(data)))
		if err != nil {
			var re *runtime.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *runtime.RequestError", err)
			}
			checkSuggestion(t, err.Error())
			return
		}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
		again, err := runtime.DecodeRequest(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("accepted %q, but not its encoding %s: %v", data, b, err)
		}
		for i := range req.Targets {
			// A field written blank is noted for Config to refuse, naming
			// it. The encoding leaves the field out (omitempty) and cannot
			// carry the note: the rest of the target must come back.
			var ve *signatures.ValidationError
			if _, err := req.Targets[i].Config(); !errors.As(err, &ve) || strings.TrimSpace(ve.Value) != "" ||
				!strings.HasPrefix(ve.Reason, "blank") || i >= len(again.Targets) {
				continue
			}
			if !bytes.Contains(data, []byte(ve.Field)) && !bytes.Contains(data, []byte(`\u`)) {
				t.Fatalf("accepted %q: target %d refused as blank field %q, which the input does not write", data, i, ve.Field)
			}
			if x, y := mustMarshal(t, req.Targets[i]), mustMarshal(t, again.Targets[i]); x != y {
				t.Fatalf("accepted %q: target %d encodes as %s, and decoded again as %s", data, i, x, y)
			}
			again.Targets[i] = req.Targets[i]
		}
		if !reflect.DeepEqual(req, again) {
			t.Fatalf("accepted %q as %#v; its encoding %s decodes to %#v", data, req, b, again)
		}
	})
}

// checkSuggestion fails unless the field an unknown-field error suggests
// ("unknown field (known: a, b): did you mean b?") is one of those it
// lists as known.
func checkSuggestion(t *testing.T, msg string) {
	t.Helper()
	_, rest, ok := strings.Cut(msg, "unknown field (known: ")
	if !ok {
		return
	}
	known, near, ok := strings.Cut(rest, "): did you mean ")
	if !ok {
		return
	}
	near = strings.TrimSuffix(near, "?")
	if !slices.Contains(strings.Split(known, ", "), near) {
		t.Fatalf("%q suggests %q, which is no field it lists", msg, near)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
