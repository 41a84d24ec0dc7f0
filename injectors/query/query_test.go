package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

func TestManifest(t *testing.T) {
	m := New().Manifest()
	if m.Name != "query" || m.Category != framework.External {
		t.Errorf("name %q category %q, want query, external", m.Name, m.Category)
	}
	settings := map[string]framework.Setting{}
	for _, s := range m.Settings {
		settings[s.Key] = s
	}
	if s := settings["shodan_base_url"]; s.Env != "INJECTKIT_SHODAN_BASE_URL" || s.Default != "https://api.shodan.io" || s.Secret {
		t.Errorf("shodan_base_url setting = %+v", s)
	}
	if s := settings["shodan_api_key"]; s.Env != "INJECTKIT_SHODAN_API_KEY" || !s.Secret || s.Default != "" {
		t.Errorf("shodan_api_key setting = %+v, want secret, no default", s)
	}
	params := map[string]framework.Param{}
	for _, p := range m.Params {
		params[p.Name] = p
	}
	if p := params["max_results"]; p.Default != "100" || p.Type != framework.ParamInt {
		t.Errorf("max_results param = %+v", p)
	}
	if p := params["provider"]; p.Default != "shodan" || !slices.Equal(p.Enum, []string{"shodan"}) {
		t.Errorf("provider param = %+v", p)
	}
	// A lookup sends nothing to the targets: nothing a SIEM, EDR or NDR
	// watching them could see, so VULNERABILITY only, judged by no
	// security platform.
	if !slices.Equal(m.Expectations, []framework.ExpectationType{framework.Vulnerability}) {
		t.Errorf("expectations = %v, want VULNERABILITY only", m.Expectations)
	}
	if len(m.SecurityPlatforms) != 0 {
		t.Errorf("security platforms = %v, want none", m.SecurityPlatforms)
	}
}

func TestParams(t *testing.T) {
	e := New()
	p, ok := e.NewParams().(*Params)
	if !ok || p.MaxResults != 100 || p.Provider != "shodan" {
		t.Fatalf("NewParams = %#v, want *Params{100, shodan}", e.NewParams())
	}
	tests := []struct {
		name      string
		params    any
		wantField string // "" = valid
	}{
		{"defaults", e.NewParams(), ""},
		{"max 1000", &Params{MaxResults: 1000, Provider: "shodan"}, ""},
		{"min 1", &Params{MaxResults: 1, Provider: "shodan"}, ""},
		{"zero", &Params{MaxResults: 0, Provider: "shodan"}, "params.max_results"},
		{"negative", &Params{MaxResults: -5, Provider: "shodan"}, "params.max_results"},
		{"above max", &Params{MaxResults: 1001, Provider: "shodan"}, "params.max_results"},
		{"unknown provider", &Params{MaxResults: 10, Provider: "censys"}, "params.provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As the runtime validates decoded params.
			frameworktest.WantInvalid(t, framework.CheckParams(e, tt.params), tt.wantField)
		})
	}
	if _, err := asParams(map[string]any{"max_results": 10}); !errors.Is(err, framework.ErrParamsType) ||
		!strings.Contains(err.Error(), "*query.Params") {
		t.Errorf("asParams(map) = %v, want ErrParamsType naming *query.Params", err)
	}
	if p, err := asParams(nil); err != nil || *p != *defaultParams() {
		t.Errorf("asParams(nil) = %v, %v, want the defaults", p, err)
	}
}

// TestParamsDoc: max_results' range, its tag, is MaxMaxResults, and its
// doc states the page size.
func TestParamsDoc(t *testing.T) {
	p, _ := New().Manifest().Param("max_results")
	if p.Min != "1" || p.Max != fmt.Sprint(MaxMaxResults) {
		t.Errorf("max_results ranges from %s to %s, want 1 to %d", p.Min, p.Max, MaxMaxResults)
	}
	if want := fmt.Sprintf("hold %d", pageSize); !strings.Contains(p.Doc, want) {
		t.Errorf("max_results doc %q does not say %q", p.Doc, want)
	}
}

// TestParamsStrictJSON decodes params the way the runtime does.
func TestParamsStrictJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Params
		wantErr string // field of the error, "" when none
	}{
		{`{}`, Params{100, "shodan"}, ""},
		{`{"max_results": 200}`, Params{200, "shodan"}, ""},
		{`{"max_results": 5, "provider": "shodan"}`, Params{5, "shodan"}, ""},
		{`{"max_result": 5}`, Params{}, "params.max_result"},
		{`{"max_results": "5"}`, Params{}, "params.max_results"},
		{`{"max_results": 0}`, Params{}, "params.max_results"},
		{`{"provider": "censys"}`, Params{}, "params.provider"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.in), &raw); err != nil {
				t.Fatal(err)
			}
			p, err := framework.DecodeParams(New(), raw)
			if frameworktest.WantInvalid(t, err, tt.wantErr); err == nil && *p.(*Params) != tt.want {
				t.Errorf("got %+v, want %+v", *p.(*Params), tt.want)
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name      string
		settings  map[string]string
		wantField string
		check     func(*Executor) bool
	}{
		{"defaults", map[string]string{}, "", func(e *Executor) bool {
			return e.baseURL.String() == DefaultShodanBaseURL && e.apiKey == "" && e.timeout == DefaultRequestTimeout
		}},
		{"empty base URL", map[string]string{"shodan_base_url": ""}, "query.shodan_base_url", nil},
		{"blank base URL", map[string]string{"shodan_base_url": " \t"}, "query.shodan_base_url", nil},
		{"all set", map[string]string{"shodan_base_url": "http://127.0.0.1:8080/proxy", "shodan_api_key": " k ", "request_timeout": "3s"}, "", func(e *Executor) bool {
			return e.baseURL.String() == "http://127.0.0.1:8080/proxy" && e.apiKey == "k" && e.timeout == 3*time.Second
		}},
		{"scheme", map[string]string{"shodan_base_url": "ftp://127.0.0.1"}, "query.shodan_base_url", nil},
		{"no host", map[string]string{"shodan_base_url": "http://"}, "query.shodan_base_url", nil},
		{"relative", map[string]string{"shodan_base_url": "api.shodan.io"}, "query.shodan_base_url", nil},
		{"query in base", map[string]string{"shodan_base_url": "http://127.0.0.1/?key=k3yk3y"}, "query.shodan_base_url", nil},
		{"credentials in base", map[string]string{"shodan_base_url": "http://u:pw123@127.0.0.1/"}, "query.shodan_base_url", nil},
		{"credentials in an unparsable base", map[string]string{"shodan_base_url": "http://u:pw123@[::1"}, "query.shodan_base_url", nil},
		{"credentials in a bad escape", map[string]string{"shodan_base_url": "http://u:pw123@127.0.0.1/%zz"}, "query.shodan_base_url", nil},
		{"credentials without a scheme", map[string]string{"shodan_base_url": "u:pw123@127.0.0.1"}, "query.shodan_base_url", nil},
		{"bad timeout", map[string]string{"request_timeout": "soon"}, "query.request_timeout", nil},
		{"bare number is seconds", map[string]string{"request_timeout": "7"}, "", func(e *Executor) bool {
			return e.timeout == 7*time.Second
		}},
		{"negative timeout", map[string]string{"request_timeout": "-1s"}, "query.request_timeout", nil},
		{"negative seconds", map[string]string{"request_timeout": "-3"}, "query.request_timeout", nil},
		{"zero", map[string]string{"request_timeout": "0"}, "query.request_timeout", nil},
		{"empty timeout", map[string]string{"request_timeout": ""}, "query.request_timeout", nil},
		{"blank timeout", map[string]string{"request_timeout": " \t"}, "query.request_timeout", nil},
		{"unknown key", map[string]string{"shodan_api_token": "x"}, "query.shodan_api_token", nil},
		{"key with a line break", map[string]string{"shodan_api_key": "k3yk3y\nx"}, "query.shodan_api_key", nil},
		{"key with a control character", map[string]string{"shodan_api_key": "k3yk3y\x01"}, "query.shodan_api_key", nil},
		{"key with DEL", map[string]string{"shodan_api_key": "k3y\x7fk3y"}, "query.shodan_api_key", nil},
		{"key with a C1 control", map[string]string{"shodan_api_key": "k3y\u0085k3y"}, "query.shodan_api_key", nil},
		{"key with a byte order mark", map[string]string{"shodan_api_key": "\ufeffk3yk3y"}, "query.shodan_api_key", nil},
		{"key with a zero-width space", map[string]string{"shodan_api_key": "k3y\u200bk3y"}, "query.shodan_api_key", nil},
		{"key not UTF-8", map[string]string{"shodan_api_key": "k3y\xffk3y"}, "query.shodan_api_key", nil},
		{"key outside ASCII: sent escaped", map[string]string{"shodan_api_key": "kéy"}, "", func(e *Executor) bool {
			return e.apiKey == "kéy"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			if ve := frameworktest.WantInvalid(t, e.Configure(tt.settings), tt.wantField); ve != nil {
				if strings.Contains(ve.Error(), "pw123") || strings.Contains(ve.Error(), "k3yk3y") {
					t.Errorf("the secret refused is quoted: %v", ve)
				}
				if tt.wantField == "query.shodan_api_key" && (ve.Value != "" || !ve.Withheld) {
					t.Errorf("the key refused is not withheld: %+v", ve)
				}
				return
			}
			if !tt.check(e) {
				t.Errorf("settings not applied: base %v key %q timeout %v", e.baseURL, e.apiKey, e.timeout)
			}
		})
	}
}
