package cloudscan

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

func TestNewParamsDefaults(t *testing.T) {
	p, ok := New().NewParams().(*Params)
	if !ok {
		t.Fatalf("NewParams returned %T", New().NewParams())
	}
	want := Params{CallTimeout: 30 * time.Second, RetryMaxAttempts: 3,
		RetryMaxBackoff: 20 * time.Second, Concurrency: 4, AccessKeyMaxAgeDays: 90}
	if *p != want {
		t.Errorf("defaults = %+v, want %+v", *p, want)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

// TestParamsDecode decodes the way the runtime does (framework.DecodeParams):
// a duration is a Go duration or a number of seconds; errors name the param.
func TestParamsDecode(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		check     func(*Params) bool
		wantField string
		wantMsg   string
	}{
		{"duration string", `{"call_timeout":"1m30s"}`,
			func(p *Params) bool { return p.CallTimeout == 90*time.Second }, "", ""},
		{"duration seconds", `{"call_timeout":2.5}`,
			func(p *Params) bool { return p.CallTimeout == 2500*time.Millisecond }, "", ""},
		{"duration seconds string", `{"retry_max_backoff":"7"}`,
			func(p *Params) bool { return p.RetryMaxBackoff == 7*time.Second }, "", ""},
		{"defaults kept", `{"concurrency":2}`,
			func(p *Params) bool { return p.Concurrency == 2 && p.CallTimeout == DefaultCallTimeout }, "", ""},
		{"unknown key", `{"endpoint":"http://127.0.0.1"}`, nil, "params.endpoint", "unknown parameter"},
		{"bad duration", `{"retry_max_backoff":"soon"}`, nil, "params.retry_max_backoff", "not a duration"},
		{"bad duration type", `{"call_timeout":true}`, nil, "params.call_timeout", "not a duration"},
		{"negative duration", `{"call_timeout":-1}`, nil, "params.call_timeout", "negative duration"},
		{"zero duration", `{"call_timeout":0}`, nil, "params.call_timeout", "greater than 0"},
		{"wrong type", `{"concurrency":"2"}`, nil, "params.concurrency", "wrong JSON type"},
		{"out of range", `{"concurrency":64}`, nil, "params.concurrency", "between 1 and 32"},
		// Where requests go and whose credentials sign them are the
		// host's settings: an inject naming them is refused.
		{"endpoint_url", `{"endpoint_url":"http://127.0.0.1:9"}`, nil, "params.endpoint_url", "unknown parameter"},
		{"profile", `{"profile":"audit"}`, nil, "params.profile", "unknown parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.json), &raw); err != nil {
				t.Fatal(err)
			}
			v, err := framework.DecodeParams(New(), raw)
			if ve := frameworktest.WantInvalid(t, err, tt.wantField); ve != nil {
				if !strings.Contains(ve.Reason, tt.wantMsg) {
					t.Errorf("err = %v, want it saying %q", err, tt.wantMsg)
				}
				return
			}
			if !tt.check(v.(*Params)) {
				t.Fatalf("decoded %+v", v)
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(*Params)
		wantField string
		wantValue string
	}{
		{"defaults", func(*Params) {}, "", ""},
		{"zero timeout", func(p *Params) { p.CallTimeout = 0 }, "call_timeout", "0s"},
		{"huge backoff", func(p *Params) { p.RetryMaxBackoff = time.Hour }, "retry_max_backoff", "1h0m0s"},
		{"no attempts", func(p *Params) { p.RetryMaxAttempts = 0 }, "retry_max_attempts", "0"},
		{"too many attempts", func(p *Params) { p.RetryMaxAttempts = 11 }, "retry_max_attempts", "11"},
		{"no concurrency", func(p *Params) { p.Concurrency = 0 }, "concurrency", "0"},
		{"negative key age", func(p *Params) { p.AccessKeyMaxAgeDays = -1 }, "access_key_max_age_days", "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := defaultParams()
			tt.mutate(p)
			err := p.Validate()
			ve := frameworktest.WantInvalid(t, err, tt.wantField)
			if ve == nil {
				return
			}
			if ve.Value != tt.wantValue {
				t.Errorf("err = %v, want the value %q", err, tt.wantValue)
			}
			// The runtime reports it under params.
			frameworktest.WantInvalid(t, framework.CheckParams(New(), p), "params."+tt.wantField)
		})
	}
	var nilParams *Params
	if err := nilParams.Validate(); err == nil {
		t.Error("a nil *Params validated")
	}
}

// TestManifest: the manifest's params are the fields of Params, in order,
// with their defaults; durations say how they are written. The endpoint
// and the profile are settings, not params.
func TestManifest(t *testing.T) {
	m := New().Manifest()
	if m.Name != "cloudscan" || m.Category != framework.Cloud {
		t.Errorf("manifest = %s %s", m.Name, m.Category)
	}
	var names []string
	for _, p := range m.Params {
		names = append(names, p.Name)
	}
	want := []string{"call_timeout", "retry_max_attempts", "retry_max_backoff",
		"concurrency", "access_key_max_age_days"}
	if !slices.Equal(names, want) {
		t.Errorf("params = %v, want %v", names, want)
	}
	var settings []string
	for _, s := range m.Settings {
		settings = append(settings, s.Key+" "+s.Env)
	}
	if want := []string{"endpoint_url INJECTKIT_CLOUDSCAN_ENDPOINT_URL", "profile INJECTKIT_CLOUDSCAN_PROFILE"}; !slices.Equal(settings, want) {
		t.Errorf("settings = %v, want %v", settings, want)
	}
	for _, tt := range []struct{ name, typ, def string }{
		{"call_timeout", framework.ParamDuration, "30s"},
		{"retry_max_attempts", framework.ParamInt, "3"},
		{"retry_max_backoff", framework.ParamDuration, "20s"},
		{"access_key_max_age_days", framework.ParamInt, "90"},
	} {
		p, _ := m.Param(tt.name)
		if p.Type != tt.typ || p.Default != tt.def {
			t.Errorf("%s = %s %q, want %s %q", tt.name, p.Type, p.Default, tt.typ, tt.def)
		}
		if p.Type == framework.ParamDuration && !strings.Contains(p.Doc, "seconds") {
			t.Errorf("%s doc %q does not say a bare number is seconds", tt.name, p.Doc)
		}
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

// Execute reads its params as every injector does (framework.ParamsAs):
// none, or a nil pointer, are the defaults; a *Params is checked and used
// as it is; another type is refused naming it and the type wanted.
func TestExecutorParams(t *testing.T) {
	own := defaultParams()
	own.Concurrency = 3
	tests := []struct {
		name    string
		in      any
		want    *Params // nil: the defaults
		same    bool    // the pointer given, not a copy
		wantErr string
	}{
		{"none", nil, nil, false, ""},
		{"a nil pointer", (*Params)(nil), nil, false, ""},
		{"its own", own, own, true, ""},
		{"invalid", &Params{}, nil, false, "call_timeout"},
		{"another type", map[string]any{}, nil, false, "cloudscan: params of the wrong type: got map[string]interface {}, want *cloudscan.Params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New().params(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = defaultParams()
			}
			if !reflect.DeepEqual(got, want) || (tt.same && got != tt.want) {
				t.Errorf("params %+v, want %+v (the same pointer: %v)", got, want, tt.same)
			}
		})
	}
}
