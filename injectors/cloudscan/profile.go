package cloudscan

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Interface guard.
var _ framework.ParamsValidator = (*Executor)(nil)

// ValidateParams refuses a profile param that names no profile of the
// shared configuration files (those AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name, else ~/.aws/config and
// ~/.aws/credentials), as the SDK's configuration would, for sure and
// before any call, when the inject runs: validate and run then refuse the
// inject before anything is sent (exit 2 naming profile and the value),
// and serve answers it INVALID_USAGE rather than a failed run. It reads
// those files and nothing else: no network. A file that cannot be read or
// parsed, or a profile whose own settings are wrong, is left to the run,
// which says what the SDK says.
func (e *Executor) ValidateParams(params any) error {
	p, ok := params.(*Params)
	if !ok || p == nil || p.Profile == "" {
		return nil
	}
	return checkProfile(p.Profile)
}

// checkProfile loads profile from the shared files the SDK would read.
func checkProfile(profile string) error {
	env, err := config.NewEnvConfig()
	if err != nil {
		return nil // the run's configuration fails, saying why
	}
	configFiles, credentialsFiles := config.DefaultSharedConfigFiles, config.DefaultSharedCredentialsFiles
	if env.SharedConfigFile != "" {
		configFiles = []string{env.SharedConfigFile}
	}
	if env.SharedCredentialsFile != "" {
		credentialsFiles = []string{env.SharedCredentialsFile}
	}
	_, err = config.LoadSharedConfigProfile(context.Background(), profile, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = configFiles, credentialsFiles
	})
	var missing config.SharedConfigProfileNotExistError
	if !errors.As(err, &missing) || missing.Profile != profile {
		return nil
	}
	files := strings.Join(append(append([]string{}, configFiles...), credentialsFiles...), ", ")
	return &signatures.ValidationError{Field: "profile", Value: profile,
		Reason: "no such profile in the shared configuration files (" + files + "): name one of their profiles, or leave the param out for the SDK's standard chain"}
}
