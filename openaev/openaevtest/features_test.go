package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSignatureOutputProcessorFlag: the platform stores expectation
// signatures only when SIGNATURE_OUTPUT_PROCESSOR (or the all-flag "*") is
// among openaev.enabled-dev-features; otherwise it ignores them and
// processes the rest of the callback as usual. GET /api/settings lists the
// enabled features by enum name.
func TestSignatureOutputProcessorFlag(t *testing.T) {
	doc := map[string]any{
		"scan_results":           []any{map[string]any{"asset_id": "a1", "host": "10.0.0.5", "port": 22, "service": "ssh"}},
		"expectation_signatures": signatureBatch("a1", [2]string{"target_ipv4_address", "10.0.0.5"}),
	}
	malformed := map[string]any{"scan_results": doc["scan_results"], "expectation_signatures": "not an envelope"}
	tests := []struct {
		name     string
		features []string // nil: the stand-in's default
		doc      map[string]any
		listed   []string // enabled_dev_features
		stored   bool
	}{
		{name: "stand-in default: enabled", doc: doc, listed: []string{"SIGNATURE_OUTPUT_PROCESSOR"}, stored: true},
		{name: "platform default: none", features: []string{}, doc: doc, listed: []string{}},
		{name: "another feature only", features: []string{"AUDIT_LOG"}, doc: doc, listed: []string{"AUDIT_LOG"}},
		{name: "the all-flag", features: []string{"*"}, doc: doc, listed: []string{"FEATURE_FLAG_ALL"}, stored: true},
		{name: "case and blanks aside", features: []string{" signature_output_processor "}, doc: doc,
			listed: []string{"SIGNATURE_OUTPUT_PROCESSOR"}, stored: true},
		// FEATURE_FLAG_ALL is the enum's name; its configuration value is "*".
		{name: "unrecognised values dropped", features: []string{"FEATURE_FLAG_ALL", "NOPE"}, doc: doc, listed: []string{}},
		{name: "off: a malformed envelope is not read", features: []string{}, doc: malformed, listed: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			if tt.features != nil {
				p.SetDevFeatures(tt.features...)
			}
			var settings struct {
				Features []string `json:"enabled_dev_features"`
			}
			if err := json.Unmarshal([]byte(getText(t, p, "/api/settings")), &settings); err != nil || settings.Features == nil {
				t.Fatalf("settings without enabled_dev_features (%v)", err)
			}
			if !reflect.DeepEqual(settings.Features, tt.listed) {
				t.Errorf("enabled_dev_features %q, want %q", settings.Features, tt.listed)
			}
			if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", tt.doc)); st != 200 {
				t.Fatalf("status %d", st)
			}
			c, _ := p.Terminal("i1")
			if !c.Processed() {
				t.Fatalf("callback %s (%s): want it processed whatever the flag", c.Outcome, c.Reason)
			}
			if got := p.InjectStatus("i1"); got != "EXECUTED" {
				t.Errorf("inject status %s, want EXECUTED", got)
			}
			if rows, _ := p.Findings("i1")["scan_results"].([]any); len(rows) != 1 {
				t.Errorf("other outputs not processed: findings %v", p.Findings("i1"))
			}
			stored := len(p.Signatures("i1")["DETECTION"]) > 0
			if stored != tt.stored || (len(c.Signatures) > 0) != tt.stored {
				t.Errorf("signatures stored %v (call: %d), want %v", stored, len(c.Signatures), tt.stored)
			}
			st := p.Stats()
			switch {
			case tt.stored && (c.SignaturesSkipped != "" || st.SignaturesSkipped != 0):
				t.Errorf("skip recorded (%q, %d) though stored", c.SignaturesSkipped, st.SignaturesSkipped)
			case !tt.stored && (c.SignaturesSkipped != openaevtest.SignaturesDisabled || st.SignaturesSkipped != 1 ||
				st.SignatureSkipReason != openaevtest.SignaturesDisabled):
				t.Errorf("skip recorded as %q, stats %d %q; want %q", c.SignaturesSkipped, st.SignaturesSkipped,
					st.SignatureSkipReason, openaevtest.SignaturesDisabled)
			}
		})
	}
}

// TestDevFeaturesOption: WithDevFeatures sets the features from the
// start, and the legacy ingestion appears among them.
func TestDevFeaturesOption(t *testing.T) {
	p := openaevtest.NewPlatform(t, token, openaevtest.WithDevFeatures(), openaevtest.WithLegacyIngestion())
	if got := p.DevFeatures(); !reflect.DeepEqual(got, []string{"LEGACY_INGESTION_EXECUTION_TRACE"}) {
		t.Errorf("DevFeatures %q", got)
	}
	for v, want := range map[string]bool{"*": true, "audit_log": true, "FEATURE_FLAG_ALL": false, "": false} {
		if got := openaevtest.KnownDevFeature(v); got != want {
			t.Errorf("KnownDevFeature(%q) = %v", v, got)
		}
	}
}

// TestSettingsRoutes: GET /api/settings and /api/settings/version answer
// any token the platform knows (PLATFORM_SETTING is open to READ on
// 2.4.0: no token is refused 403), and a bad one 401; GET
// /api/settings/public lists enabled_dev_features to any token, and to
// none, without the version.
func TestSettingsRoutes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		opts   []openaevtest.Option
		path   string
		auth   string // "": no Authorization header
		status int
	}{
		{"settings", nil, "/api/settings", token, 200},
		{"version", nil, "/api/settings/version", token, 200},
		{"public", nil, "/api/settings/public", token, 200},
		{"settings without a token", nil, "/api/settings", "", 401},
		{"public without a token", nil, "/api/settings/public", "", 200},
		{"public with a token the platform does not know", nil, "/api/settings/public", "nope", 200},
		{"version with a token the platform does not know", nil, "/api/settings/version", "nope", 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, append(tt.opts, openaevtest.WithDevFeatures("AUDIT_LOG"))...)
			req, _ := http.NewRequest(http.MethodGet, p.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", "Bearer "+tt.auth)
			}
			resp, b := doRequest(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s: %d %s, want %d", tt.path, resp.StatusCode, b, tt.status)
			}
			if tt.status != 200 || tt.path == "/api/settings/version" {
				return
			}
			var settings struct {
				Features *[]string `json:"enabled_dev_features"`
				Version  *string   `json:"platform_version"`
			}
			if err := json.Unmarshal(b, &settings); err != nil || settings.Features == nil {
				t.Fatalf("settings %s without enabled_dev_features (%v)", b, err)
			}
			if !reflect.DeepEqual(*settings.Features, []string{"AUDIT_LOG"}) {
				t.Errorf("enabled_dev_features %q", *settings.Features)
			}
			if public := tt.path == "/api/settings/public"; public != (settings.Version == nil) {
				t.Errorf("platform_version %v in %s", settings.Version, tt.path)
			}
		})
	}
}

// TestDevFeaturesOn24: 2.4.0 lists enabled_dev_features on both settings
// routes too (PublicPlatformSettings.java:83-85), from its own
// PreviewFeature (PreviewFeature.java:15-23): LEGACY_INGESTION_EXECUTION_TRACE
// and MULTI_TENANCY among them, SIGNATURE_OUTPUT_PROCESSOR (the
// stand-in's default) and AUDIT_LOG not, dropped as unrecognised. The
// stand-in served none on 2.4.0, whatever was configured.
func TestDevFeaturesOn24(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    openaevtest.Version
		opts []openaevtest.Option
		want []string
	}{
		{"2.4.0, the stand-in's default", openaevtest.Version24, nil, []string{}},
		{"2.4.0, legacy ingestion", openaevtest.Version24, []openaevtest.Option{openaevtest.WithLegacyIngestion()},
			[]string{"LEGACY_INGESTION_EXECUTION_TRACE"}},
		{"2.4.0, its own features", openaevtest.Version24,
			[]openaevtest.Option{openaevtest.WithDevFeatures("*", "multi_tenancy", "audit_log", "SIGNATURE_OUTPUT_PROCESSOR")},
			[]string{"FEATURE_FLAG_ALL", "MULTI_TENANCY"}},
		{"current, not 2.4.0's", openaevtest.Current,
			[]openaevtest.Option{openaevtest.WithDevFeatures("multi_tenancy", "audit_log")}, []string{"AUDIT_LOG"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, append([]openaevtest.Option{openaevtest.WithVersion(tt.v)}, tt.opts...)...)
			for _, path := range []string{"/api/settings", "/api/settings/public"} {
				var s struct {
					Features *[]string `json:"enabled_dev_features"`
				}
				if err := json.Unmarshal([]byte(getText(t, p, path)), &s); err != nil || s.Features == nil {
					t.Fatalf("%s: no enabled_dev_features (%v)", path, err)
				}
				if !reflect.DeepEqual(*s.Features, tt.want) {
					t.Errorf("%s: enabled_dev_features %q, want %q", path, *s.Features, tt.want)
				}
			}
		})
	}
}
