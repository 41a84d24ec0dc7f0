package cloudscan

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// envProfile is the variable that names the SDK's profile when the
// profile setting does not, as the SDK reads it: a profile it names must
// exist, as the setting's must.
const envProfile = "AWS_PROFILE"

// checkProfiles refuses the profile the SDK would load for sure and fail
// on: the profile setting, else AWS_PROFILE, when it names no profile of
// the shared configuration files (sharedFiles: those AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name, else ~/.aws/config and
// ~/.aws/credentials), before any call: run and validate refuse the
// inject before anything is sent (exit 2 naming cloudscan.profile or
// AWS_PROFILE, and the value), and serve exits 2 when it starts. It
// reads the bytes read and checked (files), nothing else: no network.
// AWS_DEFAULT_PROFILE, which the SDK reads when AWS_PROFILE is unset,
// is not checked: the SDK falls back to no profile when it names none. A file that cannot be parsed, or a profile whose own settings
// are wrong, is left to the run, which says what the SDK says.
func checkProfiles(files *sdkFiles, setting string) error {
	switch env := os.Getenv(envProfile); {
	case setting != "":
		return checkProfile(files, setting, func(reason string) error {
			return settingErr(SettingProfile, setting, reason+", or leave the setting out for the SDK's standard chain")
		})
	case env != "":
		return checkProfile(files, env, func(reason string) error {
			return &signatures.ValidationError{Field: envProfile, Value: env, Reason: reason + ", or unset " + envProfile}
		})
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
