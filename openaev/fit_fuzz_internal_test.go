package openaev

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// fuzzOutputTypes are the output types FuzzFitOutput tries each value
// under; those a version does not know are passed over.
var fuzzOutputTypes = []string{"text", "number", "port", "ipv4", "ipv6", "credentials", "cve", "portscan",
	"asset", "file", "action_output", "username", "share", "vulnerability", "computer", "password_policy"}

// FuzzFitOutput: a finding an injector outputs (third-party code, or a
// tool's result passed on) is fitted to the platform before the callback
// carries it (fitOutput), since one value the platform's processor refuses
// drops the whole callback. Checked against the stand-in's processors,
// written apart (openaevtest.ValidateOutput): on 2.4.0 a value is sent
// whole exactly when the platform's processor accepts it (a value it
// would store blank, refused by the insert, not the processor, aside); on both lines, what is
// sent is accepted, never grows, and fitted again is sent as it is.
func FuzzFitOutput(f *testing.F) {
	for _, s := range []string{`22`, `"22/tcp"`, `["192.0.2.1","db.example",null]`, `{"a":1}`, `""`, `["a",""]`,
		`{"id":"CVE-2024-1234","host":"192.0.2.1","severity":"high"}`, `[{"host":"h","port":22,"service":"ssh"},{"host":null}]`,
		`{"username":"u","hash":"h"}`, `"fe80::1%eth0"`, `[[1],{"username":""}]`, `1e400`, `null`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, value string, multiple bool) {
		val, err := decodeGeneric([]byte(value))
		if err != nil || !json.Valid([]byte(value)) {
			return
		}
		for _, line := range []struct {
			v  PlatformVersion
			sv openaevtest.Version
		}{{PlatformVersion{Raw: "2.4.0"}, openaevtest.Version24}, {PlatformVersion{Raw: "3.260821.0", Current: true}, openaevtest.Current}} {
			for _, typ := range fuzzOutputTypes {
				if !openaevtest.KnownOutputType(line.sv, typ) {
					continue
				}
				out, misfits, ok := fitOutput("f", typ, multiple, val, line.v)
				accepted := openaevtest.ValidateOutput(line.sv, typ, multiple, val)
				refused := slices.ContainsFunc(misfits, func(m misfit) bool { return !m.blank })
				whole := ok && len(misfits) == 0
				if !line.v.Current && (accepted != nil && whole || accepted == nil && refused) {
					t.Fatalf("2.4.0 %s (multiple %v) %s: fitted as %v %v, the platform's processor says %v", typ, multiple, value, ok, misfits, accepted)
				}
				if !ok {
					continue
				}
				if err := openaevtest.ValidateOutput(line.sv, typ, multiple, out); err != nil {
					t.Fatalf("%s %s (multiple %v) %s: sends %v, which the platform refuses: %v", line.v, typ, multiple, value, out, err)
				}
				if l, isList := out.([]any); isList {
					if in, _ := val.([]any); len(l) > len(in) {
						t.Fatalf("%s %s %s: sends %d items of %d", line.v, typ, value, len(l), len(in))
					}
				}
				again, more, ok := fitOutput("f", typ, multiple, out, line.v)
				if !ok || len(more) > 0 || !reflect.DeepEqual(again, out) {
					t.Fatalf("%s %s %s: sends %v, which fitted again is %v %v %v", line.v, typ, value, out, again, more, ok)
				}
			}
		}
	})
}
