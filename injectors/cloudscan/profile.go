package cloudscan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// The variables that name the SDK's profile when the profile setting does
// not, AWS_PROFILE first (the SDK takes the first not empty).
const (
	envProfile        = "AWS_PROFILE"
	envDefaultProfile = "AWS_DEFAULT_PROFILE"
)

// checkProfiles refuses the profile the SDK would load: the profile
// setting, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, when it names no
// profile, or one whose source_profile or sso_session names none
// (checkProfile), of the shared configuration files (sharedFiles: those
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name, else
// ~/.aws/config and ~/.aws/credentials), before any call: run and
// validate refuse the inject before anything is sent (exit 2 naming
// cloudscan.profile or the variable, and the value), and serve exits 2
// when it starts. The SDK fails on each of these, but for one: a profile
// AWS_DEFAULT_PROFILE names that no file holds, which it ignores, taking
// the credentials it finds without a profile. Those may be what the host
// meant (keys, a web identity token file or a container's endpoint in
// the environment: envCredentials), and then the profile is not refused;
// without them, the SDK would go on to an EC2 instance's role, or fail,
// not what the host asked for, and it is. A profile AWS_DEFAULT_PROFILE
// names whose source_profile or sso_session names nothing fails the SDK,
// and is refused, whatever the environment. It reads the bytes read and
// checked (files) and the environment, nothing else: no network. A file
// that cannot be parsed, or a profile whose other settings are wrong, is
// left to the run, which says what the SDK says.
func checkProfiles(files *sdkFiles, setting string) error {
	if setting != "" {
		return checkProfile(files, setting, true, func(reason string) error {
			return settingErr(SettingProfile, setting, reason+", or leave the setting out for the SDK's standard chain")
		})
	}
	for _, name := range []string{envProfile, envDefaultProfile} {
		if env := os.Getenv(name); env != "" {
			missingFails := name == envProfile || !envCredentials()
			return checkProfile(files, env, missingFails, func(reason string) error {
				return &signatures.ValidationError{Field: name, Value: env, Reason: reason + ", or unset " + name}
			})
		}
	}
	return nil
}

// envCredentials reports whether the environment, as the SDK's own reader
// of it sees it, gives credentials the SDK takes without a profile: an
// access key id with its secret key, a web identity token file, or a
// container's credentials endpoint.
func envCredentials() bool {
	env, err := config.NewEnvConfig()
	if err != nil {
		return false
	}
	return env.Credentials.HasKeys() || env.WebIdentityTokenFilePath != "" ||
		env.ContainerCredentialsRelativePath != "" || env.ContainerCredentialsEndpoint != ""
}

// ssoSessionMissing begins the SDK's error for a profile whose
// sso_session names no [sso-session …] section, the name after it (the
// SDK gives the error no type of its own).
const ssoSessionMissing = "failed to find SSO session section, "

// checkProfile refuses profile, with refuse's error, when the SDK's own
// loader of the files says that they hold no such profile (only if
// missingFails: the SDK fails on it then), or no profile its
// source_profile (or theirs, down the chain) names, or no [sso-session …]
// section its sso_session names: the SDK fails on each for sure when the
// inject runs. Any other error of the loader is left to the run.
func checkProfile(files *sdkFiles, profile string, missingFails bool, refuse func(reason string) error) error {
	_, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	if err == nil {
		return nil
	}
	configFiles, credentialsFiles := sharedFiles()
	var names []string
	for _, f := range append(configFiles, credentialsFiles...) {
		names = append(names, f.path)
	}
	where := "the shared configuration files (" + strings.Join(names, ", ") + ")"
	var missing config.SharedConfigProfileNotExistError
	switch {
	case errors.As(err, &missing) && missing.Profile == profile && !missingFails:
		return nil
	case errors.As(err, &missing) && missing.Profile == profile:
		return refuse("no such profile in " + where + ": name one of their profiles")
	case errors.As(err, &missing):
		return refuse(fmt.Sprintf("the source_profile %q it uses is no profile of %s: name one of their profiles there",
			signatures.Shorten(missing.Profile, signatures.MaxQuoted), where))
	}
	if i := strings.Index(err.Error(), ssoSessionMissing); i >= 0 {
		session := strings.TrimSpace(err.Error()[i+len(ssoSessionMissing):])
		return refuse(fmt.Sprintf("the sso_session %q it uses has no [sso-session …] section of that name in %s: add one, or name one of theirs",
			signatures.Shorten(session, signatures.MaxQuoted), where))
	}
	return nil
}
