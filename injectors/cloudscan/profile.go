package cloudscan

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// checkProfile refuses a profile setting that names no profile of the
// shared configuration files (sharedFiles: those AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name, else ~/.aws/config and
// ~/.aws/credentials), as the SDK's configuration would, for sure and
// before any call: run and validate refuse the inject before anything is
// sent (exit 2 naming cloudscan.profile and the value), and serve exits 2
// when it starts. It reads those files and nothing else: no network; the
// caller has checked them first (checkSharedFiles), so none waits or
// holds more than the bound. A file that cannot be read or parsed, or a
// profile whose own settings are wrong, is left to the run, which says
// what the SDK says.
func checkProfile(profile string) error {
	configFiles, credentialsFiles := sharedFiles()
	_, err := config.LoadSharedConfigProfile(context.Background(), profile, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = paths(configFiles), paths(credentialsFiles)
	})
	var missing config.SharedConfigProfileNotExistError
	if !errors.As(err, &missing) || missing.Profile != profile {
		return nil
	}
	files := strings.Join(paths(append(configFiles, credentialsFiles...)), ", ")
	return settingErr(SettingProfile, profile,
		"no such profile in the shared configuration files ("+files+"): name one of their profiles, or leave the setting out for the SDK's standard chain")
}
