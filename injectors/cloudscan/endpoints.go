package cloudscan

import (
	"bytes"
	"context"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// The SDK's own configured endpoints (its "service-specific endpoints"
// feature): AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, a profile's
// endpoint_url and its services section, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's
// ignore_configured_endpoint_urls is true. The endpoint_url setting wins
// over them all. They are the host's (its environment, its files), and
// are checked as the setting is (endpointReason), before anything is sent.
const (
	envEndpointURL     = "AWS_ENDPOINT_URL"
	envIgnoreEndpoints = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	keyEndpointURL     = "endpoint_url"
)

// The SDK ids of the services whose clients an inject may build: those
// the checks call (sdkServices, always), and those the credential chain
// calls when the profile's credentials come from AWS SSO (SSO, and SSO
// OIDC to refresh an sso_session's token) or from a console login
// (Signin). Each client looks its endpoint up by this id:
// AWS_ENDPOINT_URL_<ID upper-cased, spaces as _>, or the services
// section's <id lower-cased, spaces as _>.
var sdkServices = []string{"STS", "S3", "S3 Control", "EC2", "IAM"}

const (
	sdkSSO     = "SSO"
	sdkSSOOIDC = "SSO OIDC"
	sdkSignin  = "Signin"
)

// sdkEndpoint is an endpoint the SDK would send requests to, and where
// it is given: a variable, or <file>:<profile>.endpoint_url,
// <file>:services <name>.<service>.endpoint_url; service is the SDK's id
// of the service whose client takes it (sdkServices, chainServices).
type sdkEndpoint struct {
	field, value, service string
}

// checkConfiguredEndpoints refuses an endpoint the SDK would take from
// its configuration for a service an inject calls (configuredEndpoints)
// that the endpoint_url setting would refuse: not an absolute http or
// https URL, or holding credentials, a query or a fragment. The error
// names where it is given and the value, credentials masked. None is
// checked when the setting is given, which wins over them all.
func checkConfiguredEndpoints(files *sdkFiles, setting, endpoint string) error {
	if endpoint != "" {
		return nil
	}
	for _, ep := range configuredEndpoints(files, setting) {
		if reason := endpointReason(ep.value); reason != "" {
			return &signatures.ValidationError{Field: ep.field, Value: httpx.MaskURL(ep.value),
				Reason: reason + ": the AWS SDK would send cloudscan's requests there; correct it, or give " +
					Name + "." + SettingEndpointURL + ", which wins over it"}
		}
	}
	return nil
}

// configuredEndpoints returns the endpoints the SDK would use for the
// services an inject calls, as its clients resolve them: none when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the loaded profile's
// ignore_configured_endpoint_urls, is true; for each service,
// AWS_ENDPOINT_URL alone when it is set (even empty) and
// AWS_ENDPOINT_URL_<SERVICE> is not, else AWS_ENDPOINT_URL_<SERVICE>
// when not empty, else the profile's services section's, else the global
// one: AWS_ENDPOINT_URL when not empty, else the profile's endpoint_url.
// The profile is the one the SDK loads (profileSources); one no file holds,
// or that the SDK cannot load, gives none (the SDK ignores the first and
// fails on the second before any request).
func configuredEndpoints(files *sdkFiles, setting string) []sdkEndpoint {
	env, err := config.NewEnvConfig()
	if err != nil {
		return nil // the SDK fails on it before any request
	}
	profile := profileSources(setting)[0].profile
	shared, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	if err != nil {
		shared = config.SharedConfig{}
	}
	if ignore := env.IgnoreConfiguredEndpoints; ignore != nil && *ignore ||
		ignore == nil && shared.IgnoreConfiguredEndpoints != nil && *shared.IgnoreConfiguredEndpoints {
		return nil
	}
	var global *sdkEndpoint
	switch {
	case env.BaseEndpoint != "":
		global = &sdkEndpoint{field: envEndpointURL, value: env.BaseEndpoint}
	case shared.BaseEndpoint != "":
		global = &sdkEndpoint{field: files.where(profile+"."+keyEndpointURL, shared.BaseEndpoint), value: shared.BaseEndpoint}
	}
	_, globalSet := os.LookupEnv(envEndpointURL)
	var out []sdkEndpoint
	for _, id := range append(sdkServices, chainServices(&shared, setting != "")...) {
		name := envEndpointURL + "_" + strings.ReplaceAll(strings.ToUpper(id), " ", "_")
		v, set := os.LookupEnv(name)
		key := strings.ReplaceAll(strings.ToLower(id), " ", "_")
		section, inSection := shared.Services.ServiceValues[key][keyEndpointURL]
		switch {
		case globalSet && !set:
			// The SDK's clients take the global endpoint alone then.
		case v != "":
			out = append(out, sdkEndpoint{name, v, id})
			continue
		case inSection:
			out = append(out, sdkEndpoint{files.where("services "+shared.ServicesSectionName+"."+key+"."+keyEndpointURL, section), section, id})
			continue
		}
		if global != nil {
			ep := *global
			ep.service = id
			out = append(out, ep)
		}
	}
	return out
}

// chainServices returns the services the SDK's credential chain calls
// besides STS: SSO (and SSO OIDC for an sso_session) or Signin when the
// credentials come from the loaded profile's chain (the profile set by
// the setting, or no keys nor web identity token in the environment),
// and the profile that ends it (its last source_profile) holds no keys,
// credential_source nor web identity token file, as the SDK's resolution
// goes.
func chainServices(shared *config.SharedConfig, profileSet bool) []string {
	if !profileSet && envOverridesProfile() {
		return nil
	}
	c := shared
	for c.Source != nil {
		c = c.Source
	}
	switch {
	case c.Credentials.HasKeys() || c.CredentialSource != "" || c.WebIdentityTokenFile != "":
		return nil
	case c.SSOSessionName != "":
		return []string{sdkSSO, sdkSSOOIDC}
	case c.SSORegion != "" || c.SSOAccountID != "" || c.SSOStartURL != "" || c.SSORoleName != "":
		return []string{sdkSSO}
	case c.LoginSession != "":
		return []string{sdkSignin}
	}
	return nil
}

// endpointReason says why the endpoint_url setting would refuse raw, ""
// when it would not: blank, no absolute http or https URL
// (httpx.ParseBaseURL's rule, whose reasons quote nothing of the URL,
// refusing a query and a fragment), holding credentials, or plain http://
// to a host that is not this machine's loopback (httpx.ClearToOtherHost):
// every request the SDK sends there carries the host's access key id and
// SigV4 signature, and with temporary credentials the session token
// itself (X-Amz-Security-Token), an SSO client its bearer token, all
// readable by anyone on the path. A loopback endpoint (a local stand-in,
// an S3-compatible store or a TLS tunnel on this machine) never leaves it.
func endpointReason(raw string) string {
	u, err := httpx.ParseBaseURL(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		return "must not be blank"
	case err != nil:
		return err.Error()
	case u.User != nil:
		return "must not hold credentials"
	case strings.EqualFold(u.Scheme, "http") && localhostName(u.Hostname()):
		return localhostNameEndpoint // the why of this ClearToOtherHost case
	case httpx.ClearToOtherHost(u):
		return clearEndpoint
	}
	return ""
}

// localhostName reports whether host is a name under localhost
// ("s3.localhost"), or localhost written with the root's dot
// ("localhost."): names RFC 6761 reserves for loopback, but which Go's
// resolver, reading only "localhost" in the hosts file, asks the
// network's DNS server for, and for which the proxy of HTTP_PROXY is
// used (Go's proxy rules spare "localhost" and loopback addresses only).
func localhostName(host string) bool {
	h := strings.ToLower(host)
	return h != "localhost" && (strings.TrimSuffix(h, ".") == "localhost" || strings.HasSuffix(strings.TrimSuffix(h, "."), ".localhost"))
}

// clearEndpoint is why an http:// endpoint on another host than this
// machine's loopback is refused (endpointReason).
const clearEndpoint = "plain http:// to a host that is not this machine's loopback (127.0.0.0/8, ::1, localhost): " +
	"the requests the AWS SDK signs with the host's credentials, and their session token (X-Amz-Security-Token), " +
	"would cross the network in clear text; give https://, or a loopback address"

// localhostNameEndpoint is why an http:// endpoint on a name under
// localhost is refused (endpointReason).
const localhostNameEndpoint = "plain http:// to a name under localhost (or localhost with a final dot), which Go looks up " +
	"in the network's DNS, not in this machine's hosts file, and sends through the proxy of HTTP_PROXY if one is set: " +
	"the requests the AWS SDK signs with the host's credentials, and their session token, would leave the machine in clear text; " +
	"give http://localhost, a loopback address, or https://"

// where names a key of the shared files: "<file>:<key>", the last file
// read whose bytes hold value (a later file's key overrides an earlier
// one's), else the first file read.
func (s *sdkFiles) where(key, value string) string {
	file := "the shared configuration files"
	for i, f := range s.read {
		if i == 0 || bytes.Contains(f.body, []byte(value)) {
			file = f.path
		}
	}
	return file + ":" + key
}
