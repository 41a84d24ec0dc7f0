package cloudscan

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// checkProfiles refuses the profile setting when it names no profile of
// the shared configuration files (sharedFiles: those AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name, else ~/.aws/config and
// ~/.aws/credentials), as the SDK's configuration would, for sure and
// before any call: run and validate refuse the inject before anything is
// sent (exit 2 naming cloudscan.profile and the value), and serve exits 2
// when it starts. It reads the bytes read and checked (files), nothing
// else: no network. A file that cannot be parsed, or a profile whose own
// settings are wrong, is left to the run, which says what the SDK says.
func checkProfiles(files *sdkFiles, setting string) error {
	if setting == "" {
		return nil
	}
	return checkProfile(files, setting, func(reason string) error {
		return settingErr(SettingProfile, setting, reason+", or leave the setting out for the SDK's standard chain")
	})
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
