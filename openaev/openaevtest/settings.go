package openaevtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The settings routes (PlatformSettingsApi): GET /api/settings/version and
// GET /api/settings carry @AccessControl(READ, PLATFORM_SETTING), which
// any authenticated token passes on 2.4.0 (PLATFORM_SETTING is in
// PermissionService's RESOURCES_OPEN, and hasCapaPermission grants READ
// on an open resource; 1.18 checks nothing there): only a bad token is
// refused, 401. GET /api/settings/public needs no token either
// (@AccessControl(skipRBAC = true), permitAll in AppSecurityConfig:
// PublicPlatformSettings, for the login page).
const publicSettingsPath = "/api/settings/public"

// settings answers the settings routes: /api/settings/version the version
// string as it is, of the type the Accept header asks for (accept.go:
// application/json for the profile's, text/plain;charset=ISO-8859-1 for
// none); /api/settings {"platform_version": …}; both with the public
// settings' fields, which /api/settings/public answers alone (no
// platform_version: PublicPlatformSettings has none); a type the route
// cannot answer, or an Accept header Spring cannot parse, a 406 with no
// body. enabled_dev_features is among the public fields on both lines
// (rule 11; 2.4.0: PublicPlatformSettings.java:83-85).
func (p *Platform) settings(c *Call) (int, string, []byte) {
	if preRBAC(p.raw) && c.Path != "/api/settings" {
		// 1.x maps GET /api/settings alone (1.18.19
		// PlatformSettingsApi.java:47-52): /version and /public, added
		// since, are no route, Spring Boot's 404.
		return http.StatusNotFound, jsonType, p.bootError(http.StatusNotFound, "Not Found", c.Path)
	}
	accept := strings.Join(c.Header.Values("Accept"), ",")
	if c.Path == "/api/settings/version" {
		ctype, ok := negotiate(accept, stringTypes, true)
		if !ok {
			return http.StatusNotAcceptable, "", nil
		}
		return http.StatusOK, ctype, []byte(p.raw)
	}
	if _, ok := negotiate(accept, objectTypes, false); !ok {
		return http.StatusNotAcceptable, "", nil
	}
	settings := map[string]any{"platform_lang": "auto", "auth_local_enable": true}
	settings["enabled_dev_features"] = p.DevFeatures()
	if c.Path != publicSettingsPath {
		settings["platform_version"] = p.raw
		settings["platform_name"] = "OpenAEV - Platform"
	}
	b, _ := json.Marshal(settings)
	return http.StatusOK, jsonType, b
}
