package openaevtest

import (
	"net/http"
	"strings"
)

// The platform's security layer, before any route (2.4.0 read:
// openaev-api/src/main/java/io/openaev/config/AppSecurityConfig.java and
// security/TokenAuthenticationFilter.java), in the order of Spring
// Security's filters:
//
//   - CSRF (AppSecurityConfig.java:74-79): a request of any method but
//     GET, HEAD, TRACE and OPTIONS passes only when its Authorization
//     header starts with exactly "Bearer " and it carries no cookie
//     (bearerWithoutCookiesMatcher, :255-262), or when it echoes the
//     XSRF-TOKEN cookie in X-XSRF-TOKEN (CookieCsrfTokenRepository). Else
//     CsrfFilter's access-denied handler answers 403, and Spring Boot's
//     error controller writes its JSON: timestamp, status, error
//     "Forbidden" and path, no message. A POST with no token, or with a
//     lowercase "bearer", is refused so, whether the token is good or not.
//   - Authentication (TokenAuthenticationFilter.java:57-88): the
//     Authorization header's token after a "bearer " prefix taken case
//     aside (:30, 61), or the whole header as a plain token; without the
//     header, the openaev_token cookie's. A token the platform does not
//     know authenticates nobody.
//   - Every /api/** route needs an authenticated user (:111-112), the
//     public settings do not (:93-94): the entry point answers 401 with
//     an empty body (:143-148).

// csrfSafe are the methods CSRF protection leaves alone.
var csrfSafe = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodTrace: true, http.MethodOptions: true}

// security answers a request the platform's security layer refuses, with
// ok false; ok is true for one it lets through to the route.
func (p *Platform) security(r *http.Request, path string) (status int, ctype string, body []byte, ok bool) {
	auth := r.Header.Get("Authorization")
	if !csrfSafe[r.Method] && !csrfExempt(r, auth) {
		return http.StatusForbidden, jsonType, p.bootError(http.StatusForbidden, "Forbidden", r.URL.Path), false
	}
	if path == publicSettingsPath || p.authenticates(r, auth) {
		return 0, "", nil, true
	}
	return http.StatusUnauthorized, "", nil, false
}

// csrfExempt reports whether CSRF protection lets an unsafe request
// through: a bearer token and no cookie, or the CSRF token echoed.
func csrfExempt(r *http.Request, auth string) bool {
	if strings.HasPrefix(auth, "Bearer ") && len(r.Cookies()) == 0 {
		return true
	}
	c, err := r.Cookie("XSRF-TOKEN")
	return err == nil && c.Value != "" && r.Header.Get("X-XSRF-TOKEN") == c.Value
}

// authenticates reports whether the request names the platform's token,
// as TokenAuthenticationFilter reads it.
func (p *Platform) authenticates(r *http.Request, auth string) bool {
	p.mu.Lock()
	token := p.token
	p.mu.Unlock()
	if auth == "" {
		c, err := r.Cookie("openaev_token")
		return err == nil && c.Value == token
	}
	if len(auth) >= len("bearer ") && strings.EqualFold(auth[:len("bearer ")], "bearer ") {
		auth = auth[len("bearer "):]
	}
	return auth == token
}

// RenewToken gives the token's user a new token value, as 2.4.0's POST
// /api/me/token/refresh does (rest/user/MeApi.java:105-120, renewToken:
// token.setValue(UUID.randomUUID()), the same row, saved): the value the
// platform was started with, or the last one renewed, authenticates nobody
// from then on (PlainTokenExtractor.authUser → UserService.findByToken
// finds no user for it), so every request naming it is answered as one
// without a token (401, empty body; a POST with it still passes CSRF, its
// header being a bearer's), and nothing of it is acted on; value does,
// with the same user's rights. A callback the platform answered 200 and
// holds (WithIngestEvery) before the renewal is processed all the same:
// the batch worker checks no token.
func (p *Platform) RenewToken(value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.token = value
}

// DenyRegistration makes the platform refuse registrations to the token,
// as 2.4.0 does for a user without CREATE on INJECTOR: a registration
// whose input binds and validates is answered 403 with Spring Boot's
// error JSON, and nothing is declared or stored. An admin token
// (WithAdminToken) is never denied.
func (p *Platform) DenyRegistration() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noRegister = true
}

// registrationDenied reports whether DenyRegistration holds for the token.
func (p *Platform) registrationDenied() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.noRegister && !p.admin
}

// WithTenants makes the token's user a member of the given tenants only:
// a request on the path of another (/api/tenants/{tenant}/…) is answered
// 403 {"message":"TENANT_ACCESS_DENIED"} and acted on in no way, as
// 2.4.0's TenantInterceptor (config/TenantInterceptor.java:27-41, a user
// not in users_tenants for it, a tenant unknown or deleted) throws
// TenantAccessDeniedException before the request is bound, and
// RestBehavior answers it (rest/helper/RestBehavior.java:186-198). An
// admin's token is refused alike. Without it, the user is a member of
// every tenant a request names.
func WithTenants(ids ...string) Option {
	return func(p *Platform) {
		p.tenants = map[string]bool{}
		for _, id := range ids {
			p.tenants[id] = true
		}
	}
}

// tenantDenied reports whether c names a tenant the token's user is no
// member of (WithTenants).
func (p *Platform) tenantDenied(c *Call) bool {
	if c.Tenant == "" || p.tenants == nil || p.tenants[c.Tenant] {
		return false
	}
	c.Reason = "not a member of tenant " + c.Tenant
	return true
}
