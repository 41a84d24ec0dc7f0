package cli

import (
	"reflect"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
)

// A token is bound to the backend its layer names. The layers (flag,
// environment, config file) are merged key by key, so a token and a URL
// may come from two of them: the config file's token of backend A with
// --backend-url B. Sending that token to B would hand one backend's secret
// to another; the command refuses instead (exit 2), naming both origins,
// never the token. A token is used with a URL from a higher layer only
// when its own layer names no backend, or names the same one (sameBackend).

// tokenBinder is a config whose token is bound to its backend URL: loadConfig
// calls bindToken once the layers are decoded.
type tokenBinder interface {
	bindToken(c *ucli.Context, getenv func(string) string, file configFile) error
}

// layerURL is what one layer gives of a backend: its URL and its token.
type layerURL struct {
	url, token       raw
	urlKey           string
	hasURL, hasToken bool
}

// backendLayers returns the URL and the token each layer gives, highest
// first: flag, environment, config file. A layer's URL is the first of
// keys it gives (the outbox commands read backend_url, then serve's
// openaev_url): its token belongs to that backend.
func backendLayers(c *ucli.Context, getenv func(string) string, file configFile, keys ...string) [3]layerURL {
	str := reflect.TypeFor[string]()
	tok := field{key: "token", typ: str}
	set := setFlags(c)
	var ls [3]layerURL
	ls[0].token, ls[0].hasToken = fromFlag(c, set, tok)
	ls[1].token, ls[1].hasToken = fromEnv(getenv, tok)
	ls[2].token, ls[2].hasToken = file.values["token"]
	for _, k := range keys {
		u := field{key: k, typ: str}
		if r, ok := fromFlag(c, set, u); ok && !ls[0].hasURL {
			ls[0].url, ls[0].urlKey, ls[0].hasURL = r, k, true
		}
		if r, ok := fromEnv(getenv, u); ok && !ls[1].hasURL {
			ls[1].url, ls[1].urlKey, ls[1].hasURL = r, k, true
		}
		if r, ok := file.values[k]; ok && !ls[2].hasURL {
			ls[2].url, ls[2].urlKey, ls[2].hasURL = r, k, true
		}
	}
	return ls
}

// checkTokenBinding refuses the decoded url and token when the token comes
// from a lower layer than the URL and its own layer names another backend.
// uses names the key of the URL sent to ("" for any of the layers' keys):
// a layer naming only another command's backend (run's config file shared
// with serve: openaev_url) sends nothing there, but its token belongs to it.
func checkTokenBinding(ls [3]layerURL, uses, url, token string) error {
	if strings.TrimSpace(url) == "" || token == "" {
		return nil // nothing is sent, or nothing secret
	}
	ui, ti := -1, -1
	for i, l := range ls {
		if ui < 0 && l.hasURL && (uses == "" || l.urlKey == uses) {
			ui = i
		}
		if ti < 0 && l.hasToken {
			ti = i
		}
	}
	if ui < 0 || ti <= ui {
		return nil
	}
	own, used := ls[ti], ls[ui]
	if !own.hasURL || sameBackend(first(own.url), first(used.url)) {
		return nil
	}
	tokFrom, ownFrom := own.token.from, own.url.from
	if strings.HasPrefix(tokFrom, "config file ") {
		ownFrom = strings.TrimPrefix(ownFrom, "config file ")
	}
	return usageErr("token from %s belongs to %s %s (%s), not %s: give its token by %s",
		tokFrom, own.urlKey, shownURL(own.url), ownFrom, usedURL(used), tokenFix(ls, ui))
}

// tokenFix says where to give the token of the URL of layer ui, the
// environment first (a --token shows in ps to every local user): a token
// there is bound to the environment's own URL when it names one of another
// backend.
func tokenFix(ls [3]layerURL, ui int) string {
	env := ls[1]
	if ui == 1 || !env.hasURL || sameBackend(first(env.url), first(ls[ui].url)) {
		return envPrefix + "TOKEN or --token"
	}
	return envPrefix + "TOKEN with " + envPrefix + strings.ToUpper(env.urlKey) + " naming it, or by --token"
}

// usedURL names the URL a command would send to: "--backend-url URL", or
// "backend_url URL (env INJECTKIT_BACKEND_URL)".
func usedURL(l layerURL) string {
	if strings.HasPrefix(l.url.from, "--") {
		return l.url.from + " " + shownURL(l.url)
	}
	return l.urlKey + " " + shownURL(l.url) + " (" + l.url.from + ")"
}

func first(r raw) string {
	if len(r.vals) == 0 {
		return ""
	}
	return r.vals[0]
}

// shownURL is a layer's URL as an error shows it: without its credentials.
func shownURL(r raw) string {
	return httpx.StripCredentials(strings.TrimSpace(first(r)))
}

func (c *runConfig) bindToken(ctx *ucli.Context, getenv func(string) string, file configFile) error {
	ls := backendLayers(ctx, getenv, file, "backend_url", "openaev_url")
	if err := checkTokenBinding(ls, "backend_url", c.Backend.URL, c.Backend.Token); err != nil {
		return err
	}
	if c.openAEV() {
		return nil // the platform's URL holds no credentials: the openaev client refuses them
	}
	return credentialsWithToken(c.Backend, &c.origins)
}

// bindToken of the outbox commands that send also reads serve's
// openaev_url: in each layer (flag, environment, config file), backend_url,
// else openaev_url (INJECTKIT_OPENAEV_URL, serve's config file) names the
// backend; the highest layer naming one gives it, and its token belongs to
// it. A flush run in the daemon's environment sends to its platform.
func (c *outboxSendConfig) bindToken(ctx *ucli.Context, getenv func(string) string, file configFile) error {
	ls := backendLayers(ctx, getenv, file, "backend_url", "openaev_url")
	for _, l := range ls {
		if !l.hasURL {
			continue
		}
		if l.urlKey != "backend_url" {
			f := field{key: l.urlKey, typ: reflect.TypeFor[string](), url: true}
			if err := f.decode(reflect.ValueOf(&c.Backend.URL).Elem(), l.url, true); err != nil {
				return err
			}
			if strings.HasPrefix(l.url.from, "env ") {
				c.setFrom("backend_url", l.url.from) // named as given: env INJECTKIT_OPENAEV_URL
			} else {
				// A config file's line names no key: the URL is named
				// openaev_url (config file c.yaml:1), see source.
				c.setFrom(l.urlKey, l.url.from)
			}
		}
		break
	}
	if err := checkTokenBinding(ls, "", c.Backend.URL, c.Backend.Token); err != nil {
		return err
	}
	return credentialsWithToken(c.Backend, &c.origins)
}

func (c *serveConfig) bindToken(ctx *ucli.Context, getenv func(string) string, file configFile) error {
	ls := backendLayers(ctx, getenv, file, "openaev_url", "backend_url")
	return checkTokenBinding(ls, "openaev_url", c.Platform.URL, c.Platform.Token)
}
