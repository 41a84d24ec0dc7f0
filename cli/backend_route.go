package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport"
	"go.uber.org/zap"
)

// A backend URL is the platform's root (http://aev.example:8080, or the
// path a proxy serves it under): each request adds its own route
// (/api/injects/{id}/callback, /api/injects/execution/reception/{id}).
// A URL copied from a request or from the platform's API docs holds a
// route already, and every request then goes to /api/…/api/…, which the
// platform answers 404. backendRoute warns of such a URL before anything
// is sent, and urlHint names the URL where a 404 is reported (by run,
// serve, outbox flush and retry-dead).

// apiRoute returns the part of raw's path from its first segment "api"
// on ("/api/injects/x/callback", "/api/injectors", "/api"), "" when its
// path has none or raw is no URL.
func apiRoute(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p := u.EscapedPath()
	for i := 0; i < len(p); {
		j := strings.IndexByte(p[i+1:], '/')
		end := len(p)
		if j >= 0 {
			end = i + 1 + j
		}
		if p[i] == '/' && strings.EqualFold(p[i+1:end], "api") {
			return strings.TrimSuffix(p[i:], "/")
		}
		i = end
	}
	return ""
}

// platformRoot returns raw without its API route (apiRoute) and its
// credentials: the root it most likely meant.
func platformRoot(raw, route string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p := u.EscapedPath()
	if i := strings.Index(p, route); i >= 0 {
		p = p[:i]
	}
	u.RawPath, u.Path = "", ""
	root := u.String()
	if unescaped, err := url.PathUnescape(p); err == nil {
		u.Path, u.RawPath = unescaped, p
		root = u.String()
	}
	return httpx.StripCredentials(strings.TrimSuffix(root, "/"))
}

// warnAPIRoute logs one WARN when the backend URL raw, given at src,
// holds an API route: the requests would go to that route followed by
// their own. It still sends there (a proxy may serve the platform under
// a path named api).
func warnAPIRoute(log *zap.Logger, raw string, src source) {
	route := apiRoute(raw)
	if raw == "" || route == "" {
		return
	}
	log.Warn(fmt.Sprintf("the backend URL given by %s holds an API route (%s): give the platform's root URL (%s), "+
		"to which each request adds its own route (/api/…); as given, requests go to %s/api/…",
		src.named(), route, platformRoot(raw, route), strings.TrimSuffix(httpx.StripCredentials(raw), "/")),
		zap.String(src.key, httpx.StripCredentials(raw)))
}

// notFound reports whether err is a backend's 404: the callback
// profile's transmission or an openaev call.
func notFound(err error) bool {
	var te *transport.TransmissionError
	var ae *openaev.APIError
	return errors.As(err, &te) && te.Status == http.StatusNotFound ||
		errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// urlHint is the hint of a backend's 404 (err) that the URL, given at src,
// may be wrong: named with where it came from, and its API route when it
// holds one; "" for any other error or without a URL.
func urlHint(err error, raw string, src source) string {
	if raw == "" || !notFound(err) {
		return ""
	}
	shown := strings.TrimSuffix(httpx.StripCredentials(raw), "/")
	if route := apiRoute(raw); route != "" {
		return fmt.Sprintf("the backend URL given by %s, %s, holds an API route (%s): give the platform's root URL (%s)",
			src.named(), shown, route, platformRoot(raw, route))
	}
	return fmt.Sprintf("check the backend URL given by %s, %s: it must be the platform's root, to which each request adds /api/…",
		src.named(), shown)
}

// joinHints joins hints with "; ", leaving out empty ones.
func joinHints(hints ...string) string {
	var out []string
	for _, h := range hints {
		if h != "" {
			out = append(out, h)
		}
	}
	return strings.Join(out, "; ")
}

// urlHint is urlHint for the backend URL an outbox command (flush,
// retry-dead) sends with.
func (e *outboxEnv) urlHint(err error) string {
	return urlHint(err, e.cfg.backend().URL, e.cfg.source("backend_url"))
}

// urlHint is urlHint for the run's backend URL.
func (c *runConfig) urlHint(err error) string {
	return urlHint(err, c.Backend.URL, c.source("backend_url"))
}
