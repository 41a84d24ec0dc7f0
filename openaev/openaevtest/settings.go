package openaevtest

import (
	"encoding/json"
	"net/http"
)

// The settings routes (PlatformSettingsApi): GET /api/settings/version and
// GET /api/settings need READ on PLATFORM_SETTING (@AccessControl; a token
// without it is answered 403), GET /api/settings/public needs no right and
// no token (@AccessControl(skipRBAC = true), permitAll in
// AppSecurityConfig: PublicPlatformSettings, for the login page).
const publicSettingsPath = "/api/settings/public"

// WithoutSettingsRight models a token whose roles lack READ on
// PLATFORM_SETTING: GET /api/settings and /api/settings/version answer it
// 403, GET /api/settings/public answers as ever. Its other routes are
// unchanged.
func WithoutSettingsRight() Option { return func(p *Platform) { p.settingsDenied = true } }

// settings answers the settings routes: /api/settings/version the version
// string as text/plain; /api/settings {"platform_version": …}; both with
// the public settings' fields, which /api/settings/public answers alone
// (no platform_version: PublicPlatformSettings has none). On Current,
// enabled_dev_features is among the public fields (rule 11).
func (p *Platform) settings(c *Call) (int, string, []byte) {
	if c.Path != publicSettingsPath && p.settingsDenied {
		return fail(http.StatusForbidden, "access denied: READ on PLATFORM_SETTING")
	}
	if c.Path == "/api/settings/version" {
		return http.StatusOK, "text/plain", []byte(p.raw)
	}
	settings := map[string]any{"platform_lang": "auto", "auth_local_enable": true}
	if p.version == Current {
		settings["enabled_dev_features"] = p.DevFeatures()
	}
	if c.Path != publicSettingsPath {
		settings["platform_version"] = p.raw
		settings["platform_name"] = "OpenAEV - Platform"
	}
	b, _ := json.Marshal(settings)
	return http.StatusOK, jsonType, b
}
