package openaevtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestJSONBodyRead: every JSON route refuses, as the platform's Spring
// MVC and Jackson do before the inject is looked up, a body the real
// 2.4.0 cannot read: a Content-Type other than JSON (415), invalid UTF-8
// in a string or a name, a nesting deeper than 1000, a property name
// longer than 50,000 bytes, an int field out of range (400). What Jackson
// reads (overlong UTF-8 forms, a nesting of 1000, a name of 50,000 bytes,
// application/*+json, a fraction for an int, a Latin-1 body declared so)
// is not refused; nothing refused reaches the inject.
func TestJSONBodyRead(t *testing.T) {
	routes := []struct {
		name, path, intField string
		body                 map[string]any
	}{
		{"callback", "/api/injects/execution/callback/i1", "execution_duration", callback("complete", "SUCCESS", nil)},
		{"reception", "/api/injects/execution/reception/i1", "tracking_total_count", map[string]any{"tracking_total_count": 1}},
		{"asset-group page", "/api/endpoints/targets", "page", map[string]any{"page": 0, "size": 10}},
		{"findings search", "/api/findings/injects/i1/search", "page", map[string]any{"page": 0, "size": 10}},
	}
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name        string
		contentType string
		edit        func(b []byte, intField string) []byte
		want        int // 0: read (the route's own answer)
	}{
		{"as sent", "application/json", nil, 0},
		{"text/plain", "text/plain", nil, http.StatusUnsupportedMediaType},
		{"no Content-Type", "", nil, http.StatusUnsupportedMediaType},
		{"application/vnd.x+json", "application/vnd.x+json", nil, 0},
		{"invalid UTF-8 start byte", "application/json", extra(`"note":"a` + "\xff" + `b"`), http.StatusBadRequest},
		{"invalid UTF-8 middle byte", "application/json", extra(`"note":"` + "\xc3(" + `"`), http.StatusBadRequest},
		{"invalid UTF-8 in a name", "application/json", extra(`"n` + "\x80" + `":1`), http.StatusBadRequest},
		{"overlong UTF-8, read by Jackson 2.x", "application/json", extra(`"note":"` + "\xc0\x80" + `"`), 0},
		{"Latin-1 declared", "application/json; charset=ISO-8859-1", extra(`"note":"caf` + "\xe9" + `"`), 0},
		{"nesting of 1000", "application/json", extra(`"deep":` + nested(999)), 0},
		{"nesting of 1001", "application/json", extra(`"deep":` + nested(1000)), http.StatusBadRequest},
		{"name of 50000 bytes", "application/json", extra(`"` + strings.Repeat("n", 50_000) + `":1`), 0},
		{"name of 50001 bytes", "application/json", extra(`"` + strings.Repeat("n", 50_001) + `":1`), http.StatusBadRequest},
		{"name of 50001 bytes, escaped", "application/json", extra(`"` + strings.Repeat(`\u006e`, 50_001) + `":1`), http.StatusBadRequest},
		{"int at the limit", "application/json", setInt("2147483647"), 0},
		{"int over", "application/json", setInt("3000000000"), http.StatusBadRequest},
		{"int under", "application/json", setInt("-2147483649"), http.StatusBadRequest},
		{"int a fraction", "application/json", setInt("1.5"), 0},
		{"int as a string", "application/json", setInt(`"7"`), 0},
		{"int as a word", "application/json", setInt(`"seven"`), http.StatusBadRequest},
		{"int a boolean", "application/json", setInt("true"), http.StatusBadRequest},
	}
	for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		for _, rt := range routes {
			for _, tt := range tests {
				if v == openaevtest.Version24 && rt.name != "callback" {
					continue // one route suffices for the same rule on the other line
				}
				t.Run(v.String()+"/"+rt.name+"/"+tt.name, func(t *testing.T) {
					p := platformWithNmap(t, openaevtest.WithVersion(v))
					b, _ := json.Marshal(rt.body)
					if tt.edit != nil {
						b = tt.edit(b, rt.intField)
					}
					before := len(p.Calls("i1"))
					st, _ := post(t, p, rt.path, token, tt.contentType, b)
					switch {
					case tt.want != 0 && st != tt.want:
						t.Fatalf("status %d, want %d", st, tt.want)
					case tt.want == 0 && (st == http.StatusBadRequest || st == http.StatusUnsupportedMediaType):
						t.Fatalf("status %d, want the body read", st)
					}
					if tt.want != 0 && rt.name == "callback" {
						if c := p.Calls("i1")[before]; c.Processed() || p.InjectStatus("i1") != "PENDING" {
							t.Errorf("a refused callback processed (%s), inject %s", c.Outcome, p.InjectStatus("i1"))
						}
					}
				})
			}
		}
	}
}

// TestRegistrationInputRead: the registration's JSON part is read by the
// same Jackson: invalid UTF-8 in it is a 400, and nothing is registered.
func TestRegistrationInputRead(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	input := strings.Replace(registrationInput(nmapContract(nil)), `"injector_name":"n"`, `"injector_name":"n`+"\xff"+`"`, 1)
	body, ct := multipartBody(t, input, "application/json", nil, "")
	if st, _ := post(t, p, "/api/injectors", token, ct, body); st != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", st)
	}
	if st, _ := register(t, p, nmapContract(nil)); st != http.StatusOK {
		t.Fatalf("a readable registration: status %d", st)
	}
}

// extra adds members to a JSON object body, before its other members.
func extra(members string) func(b []byte, _ string) []byte {
	return func(b []byte, _ string) []byte {
		return append([]byte("{"+members+","), b[1:]...)
	}
}

// setInt sets a body's int field to a JSON value, written as it is.
func setInt(value string) func(b []byte, field string) []byte {
	return func(b []byte, field string) []byte {
		var m map[string]json.RawMessage
		_ = json.Unmarshal(b, &m)
		m[field] = json.RawMessage(value)
		out, _ := json.Marshal(m)
		return bytes.Clone(out)
	}
}
