package cloudscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

func TestNewParamsDefaults(t *testing.T) {
	p, ok := New().NewParams().(*Params)
	if !ok {
		t.Fatalf("NewParams returned %T", New().NewParams())
	}
	want := Params{CallTimeout: Duration(30 * time.Second), RetryMaxAttempts: 3,
		RetryMaxBackoff: Duration(20 * time.Second), Concurrency: 4, AccessKeyMaxAgeDays: 90}
	if *p != want {
		t.Errorf("defaults = %+v, want %+v", *p, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestParamsDecode(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		check   func(*Params) bool
		wantErr string
	}{
		{"duration string", `{"call_timeout":"1m30s"}`,
			func(p *Params) bool { return time.Duration(p.CallTimeout) == 90*time.Second }, ""},
		{"duration seconds", `{"call_timeout":2.5}`,
			func(p *Params) bool { return time.Duration(p.CallTimeout) == 2500*time.Millisecond }, ""},
		{"defaults kept", `{"profile":"audit"}`,
			func(p *Params) bool { return p.Profile == "audit" && p.Concurrency == DefaultConcurrency }, ""},
		{"unknown key", `{"endpoint":"http://127.0.0.1"}`, nil, `unknown field "endpoint"`},
		{"bad duration", `{"retry_max_backoff":"soon"}`, nil, `"soon" (want a duration such as "30s" or a number of seconds) into Go struct field Params.retry_max_backoff`},
		{"bad duration type", `{"call_timeout":true}`, nil, "true (want a duration such as \"30s\" or a number of seconds) into Go struct field Params.call_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New().NewParams().(*Params)
			dec := json.NewDecoder(strings.NewReader(tt.json))
			dec.DisallowUnknownFields()
			err := dec.Decode(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(p) {
				t.Fatalf("decoded %+v, err %v", p, err)
			}
		})
	}
}

func TestValidateParams(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*Params)
		wantField string
		wantValue string
	}{
		{"defaults", func(*Params) {}, "", ""},
		{"loopback endpoint", func(p *Params) { p.EndpointURL = "http://127.0.0.1:9000" }, "", ""},
		{"endpoint scheme", func(p *Params) { p.EndpointURL = "ftp://127.0.0.1" }, "endpoint_url", "ftp://127.0.0.1"},
		{"endpoint without host", func(p *Params) { p.EndpointURL = "http://" }, "endpoint_url", "http://"},
		{"endpoint with credentials", func(p *Params) { p.EndpointURL = "http://u:p@127.0.0.1" }, "endpoint_url", "http://u:p@127.0.0.1"},
		{"endpoint with query", func(p *Params) { p.EndpointURL = "http://127.0.0.1/?x=1" }, "endpoint_url", "http://127.0.0.1/?x=1"},
		{"profile with space", func(p *Params) { p.Profile = "a b" }, "profile", "a b"},
		{"zero timeout", func(p *Params) { p.CallTimeout = 0 }, "call_timeout", "0s"},
		{"huge backoff", func(p *Params) { p.RetryMaxBackoff = Duration(time.Hour) }, "retry_max_backoff", "1h0m0s"},
		{"no attempts", func(p *Params) { p.RetryMaxAttempts = 0 }, "retry_max_attempts", "0"},
		{"too many attempts", func(p *Params) { p.RetryMaxAttempts = 11 }, "retry_max_attempts", "11"},
		{"no concurrency", func(p *Params) { p.Concurrency = 0 }, "concurrency", "0"},
		{"negative key age", func(p *Params) { p.AccessKeyMaxAgeDays = -1 }, "access_key_max_age_days", "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := defaultParams()
			tt.mutate(p)
			err := New().ValidateParams(p)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.wantField || ve.Value != tt.wantValue {
				t.Fatalf("err = %v, want a validation error on %s=%q", err, tt.wantField, tt.wantValue)
			}
		})
	}
	if err := New().ValidateParams(map[string]any{}); err == nil {
		t.Error("ValidateParams accepted a map")
	}
}

func TestManifest(t *testing.T) {
	m := New().Manifest()
	if m.Name != "cloudscan" || m.Category != framework.Cloud {
		t.Errorf("manifest = %s %s", m.Name, m.Category)
	}
	// Every documented param is a JSON key of Params, and the other way round.
	b, err := json.Marshal(Params{Profile: "p", EndpointURL: "u"})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params {
		if _, ok := keys[p.Name]; !ok {
			t.Errorf("manifest param %s is not a Params key", p.Name)
		}
		delete(keys, p.Name)
	}
	if len(keys) != 0 {
		t.Errorf("params keys missing from the manifest: %v", keys)
	}
	// Documented defaults decode back to the defaults.
	p := defaultParams()
	for _, mp := range m.Params {
		if mp.Type == framework.ParamDuration {
			var d Duration
			if err := json.Unmarshal([]byte(`"`+mp.Default+`"`), &d); err != nil {
				t.Errorf("default of %s: %v", mp.Name, err)
			}
		}
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(p); err != nil {
		t.Fatal(err)
	}
	back := &Params{}
	if err := json.NewDecoder(&buf).Decode(back); err != nil || *back != *p {
		t.Errorf("defaults do not round-trip: %+v, %v", back, err)
	}
}

func TestWithVersion(t *testing.T) {
	if v := New().Version(); v != DefaultVersion {
		t.Errorf("default version %q", v)
	}
	if v := New(WithVersion("1.2.3")).Version(); v != "1.2.3" {
		t.Errorf("version %q", v)
	}
	if v := New(WithVersion("")).Version(); v != DefaultVersion {
		t.Errorf("empty version gave %q", v)
	}
}

// FuzzDurationJSON: any JSON decodes or fails cleanly, and a decoded
// duration survives a round trip.
func FuzzDurationJSON(f *testing.F) {
	for _, s := range []string{`"30s"`, `"1m30s"`, `2.5`, `0`, `"soon"`, `true`, `null`, `"-5ms"`, `1e400`, `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var d Duration
		if err := d.UnmarshalJSON([]byte(in)); err != nil {
			return
		}
		b, err := d.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal %v: %v", d, err)
		}
		var back Duration
		if err := back.UnmarshalJSON(b); err != nil || back != d {
			t.Fatalf("%s decoded to %v, re-encoded %s, decoded back %v (%v)", in, time.Duration(d), b, time.Duration(back), err)
		}
	})
}
