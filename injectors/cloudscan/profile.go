package cloudscan

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// The variables that name the SDK's profile when the profile setting does
// not, AWS_PROFILE first (the SDK takes the first not empty): a profile
// one names must exist, as the setting's must.
const (
	envProfile        = "AWS_PROFILE"
	envDefaultProfile = "AWS_DEFAULT_PROFILE"
)

// checkProfiles refuses the profile the SDK would load: the profile
// setting, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, when it names no
// profile of the shared configuration files (sharedFiles: those
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name, else
// ~/.aws/config and ~/.aws/credentials), before any call: run and
// validate refuse the inject before anything is sent (exit 2 naming
// cloudscan.profile or the variable, and the value), and serve exits 2
// when it starts. The SDK fails on such a profile given by the setting or
// AWS_PROFILE; given by AWS_DEFAULT_PROFILE, it falls back to no profile
// (other credentials, an EC2 instance's role say), which is not what the
// host asked for either. It reads the bytes read and checked (files),
// nothing else: no network. A file that cannot be parsed, or a profile
// whose own settings are wrong, is left to the run, which says what the
// SDK says.
func checkProfiles(files *sdkFiles, setting string) error {
	if setting != "" {
		return checkProfile(files, setting, func(reason string) error {
			return settingErr(SettingProfile, setting, reason+", or leave the setting out for the SDK's standard chain")
		})
	}
	for _, name := range []string{envProfile, envDefaultProfile} {
		if env := os.Getenv(name); env != "" {
			return checkProfile(files, env, func(reason string) error {
				return &signatures.ValidationError{Field: name, Value: env, Reason: reason + ", or unset " + name}
			})
		}
	}
	return nil
}

// checkProfile refuses profile, with refuse's error, when the files hold
// no such profile.
func checkProfile(files *sdkFiles, profile string, refuse func(reason string) error) error {
	_, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	var missing config.SharedConfigProfileNotExistError
	if !errors.As(err, &missing) || missing.Profile != profile {
		return nil
	}
	configFiles, credentialsFiles := sharedFiles()
	var names []string
	for _, f := range append(configFiles, credentialsFiles...) {
		names = append(names, f.path)
	}
	return refuse("no such profile in the shared configuration files (" + strings.Join(names, ", ") + "): name one of their profiles")
}
