package cloudscan

import (
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// Setting keys (config "cloudscan.<key>"). Where the host's credentials
// sign requests, and which of them, are the host's choice: settings, never
// params, which an inject (a platform message) chooses.
const (
	SettingEndpointURL = "endpoint_url"
	SettingProfile     = "profile"
)

// Interface guard.
var _ framework.Configurer = (*Executor)(nil)

// hostSettings are the settings an Executor was configured with. The zero
// value is AWS's own endpoints and the SDK's standard chain.
type hostSettings struct {
	// endpointURL replaces every service endpoint (S3-compatible stores,
	// local testing); S3 is then addressed path-style.
	endpointURL string
	// profile names a profile of the shared configuration files.
	profile string
}

// settingsSpec declares the settings (see Manifest).
func settingsSpec() []framework.Setting {
	return []framework.Setting{
		{Key: SettingEndpointURL, Env: "INJECTKIT_CLOUDSCAN_ENDPOINT_URL",
			Doc: "endpoint for every service (S3-compatible stores, local testing; S3 goes path-style): https://, or http:// to this machine's loopback only; unset: AWS's own endpoints"},
		{Key: SettingProfile, Env: "INJECTKIT_CLOUDSCAN_PROFILE",
			Doc: "shared-config profile the credentials come from; unset: the SDK's standard chain"},
	}
}

// Configure applies the settings declared in the manifest. A key left out
// or empty keeps the default (AWS's own endpoints, the SDK's standard
// chain); a value of white space alone is refused, never taken for the
// default, as is an endpoint that is no absolute http or https URL,
// holds credentials or is plain http:// to another host than this
// machine's loopback (endpointReason), and a profile that holds white space or that
// neither shared configuration file holds, nor, without that setting,
// the profile AWS_PROFILE, else AWS_DEFAULT_PROFILE, names (checkProfiles: it reads those files and the environment, no
// network). Without the endpoint setting, the endpoints the SDK would
// take from its own configuration (AWS_ENDPOINT_URL…, a profile's
// endpoint_url or services section) are checked as the setting is
// (checkConfiguredEndpoints), FIPS or dual-stack endpoints must not be
// asked for beside one (checkEndpointVariants), and the CA bundle it would load
// (AWS_CA_BUNDLE, a profile's ca_bundle: readCABundle) must be a regular
// file holding certificates; and the environment must be one the SDK's
// reader of it takes (checkEnvConfig), holding no half key pair
// (checkEnvKeyPair) nor a web identity token file without its role
// (checkEnvWebIdentity). Unknown keys are errors. Errors are
// *signatures.ValidationError on "cloudscan.<key>", AWS_PROFILE, AWS_DEFAULT_PROFILE,
// an endpoint's variable or "<file>:<profile>.endpoint_url", or,
// whatever the settings, on the AWS shared file the SDK would read at run
// time that is no regular file or gives more than 4 MiB (readSharedFiles:
// refused without waiting on it).
func (e *Executor) Configure(settings map[string]string) error {
	s := hostSettings{}
	for k, v := range settings {
		switch k {
		case SettingEndpointURL:
			if v == "" {
				continue
			}
			if err := validateEndpoint(v); err != nil {
				return err
			}
			s.endpointURL = v
		case SettingProfile:
			if v == "" {
				continue
			}
			if err := validateProfile(v); err != nil {
				return err
			}
			s.profile = v
		default:
			return &signatures.ValidationError{Field: Name + "." + k,
				Reason: "unknown setting (valid: " + SettingEndpointURL + ", " + SettingProfile + ")"}
		}
	}
	if err := checkEnvConfig(); err != nil {
		return err
	}
	files, err := openSDKFiles()
	if err != nil {
		return err
	}
	defer files.Close()
	if err := checkProfiles(files, s.profile, s.endpointURL); err != nil {
		return err
	}
	if err := checkConfiguredEndpoints(files, s.profile, s.endpointURL); err != nil {
		return err
	}
	if err := checkEndpointVariants(files, s.profile, s.endpointURL); err != nil {
		return err
	}
	if err := checkEnvKeyPair(s.profile); err != nil {
		return err
	}
	if err := checkEnvCredentials(s.profile); err != nil {
		return err
	}
	if err := checkProfileKeys(files, s.profile); err != nil {
		return err
	}
	if err := checkEnvWebIdentity(s.profile); err != nil {
		return err
	}
	if _, err := readCABundle(files, s.profile); err != nil {
		return err
	}
	e.settings = s
	return nil
}

// settingErr is the error of a setting's value.
func settingErr(key, value, reason string) error {
	return &signatures.ValidationError{Field: Name + "." + key, Value: value, Reason: reason}
}

// validateEndpoint checks endpoint_url (endpointReason), and quotes it
// with its credentials masked.
func validateEndpoint(raw string) error {
	switch reason := endpointReason(raw); {
	case strings.TrimSpace(raw) == "":
		return settingErr(SettingEndpointURL, raw, reason+": give a URL, or leave the setting out for AWS's own endpoints")
	case reason != "":
		return settingErr(SettingEndpointURL, httpx.MaskURL(raw), reason)
	}
	return nil
}

// validateProfile refuses white space and control characters.
func validateProfile(profile string) error {
	if strings.TrimSpace(profile) == "" {
		return settingErr(SettingProfile, profile,
			"must not be blank: name a profile, or leave the setting out for the SDK's standard chain")
	}
	for _, r := range profile {
		if r <= ' ' || r == 0x7f {
			return settingErr(SettingProfile, profile, "must not hold white space or control characters")
		}
	}
	return nil
}
