package cloudscan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
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
// setting, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default",
// the one it loads when none names one (profileSources), when it names no
// profile, or one whose source_profile or sso_session names none, or
// whose chain gives no credentials the SDK can take, or, named, that
// gives no credentials of its own, which the SDK would replace with an
// EC2 instance's role (checkProfile), of the shared configuration files (sharedFiles: those
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name, else
// ~/.aws/config and ~/.aws/credentials), before any call: run and
// validate refuse the inject before anything is sent (exit 2 naming
// cloudscan.profile or the variable, and the value), and serve exits 2
// when it starts. The SDK fails on each of these, but for two: a
// "default" no file holds, which it ignores, and a profile
// AWS_DEFAULT_PROFILE names that no file holds, which it ignores too,
// taking the credentials it finds without a profile. Those may be what the host
// meant (keys, a web identity token file or a container's endpoint in
// the environment: envCredentials), and then the profile is not refused;
// without them, the SDK would go on to an EC2 instance's role, or fail,
// not what the host asked for, and it is. A profile AWS_DEFAULT_PROFILE
// names whose source_profile or sso_session names nothing fails the SDK,
// and is refused, whatever the environment. It reads the bytes read and
// checked (files) and the environment, nothing else: no network. A file
// that cannot be parsed, or a profile whose other settings are wrong, is
// left to the run, which says what the SDK says.
func checkProfiles(files *sdkFiles, setting, endpoint string) error {
	return checkSources(files, profileSources(setting), endpoint)
}

// profileSource is one place the SDK takes the profile it loads from.
type profileSource struct {
	profile string
	field   string // the setting or variable naming it, "" for the SDK's "default"
	// missingFails: the SDK fails when no file holds the profile.
	missingFails bool
	// resolved: the SDK takes the profile's credentials (its
	// credential_source, the role it assumes), which keys or a web
	// identity token file in the environment take the place of unless
	// the setting names the profile (envOverridesProfile).
	resolved bool
	// own: the profile is named (the setting, a variable) and the SDK
	// takes its credentials: always the setting's, a variable's unless
	// keys or a web identity token file in the environment come first
	// (envOverridesProfile). It must give some of its own
	// (checkOwnCredentials).
	own bool
}

// profileSources returns where the SDK may take its profile from, in its
// order, the first it loads: the profile setting, AWS_PROFILE and
// AWS_DEFAULT_PROFILE when not empty, and "default", always last.
func profileSources(setting string) []profileSource {
	var sources []profileSource
	if setting != "" {
		sources = append(sources, profileSource{profile: setting, field: Name + "." + SettingProfile, missingFails: true, resolved: true, own: true})
	}
	for _, name := range []string{envProfile, envDefaultProfile} {
		if env := os.Getenv(name); env != "" {
			sources = append(sources, profileSource{profile: env, field: name,
				missingFails: name == envProfile || !envCredentials(), resolved: true, own: !envOverridesProfile()})
		}
	}
	return append(sources, profileSource{profile: config.DefaultSharedConfigProfile, resolved: !envOverridesProfile()})
}

// checkSources checks the profile of the first of sources, the one the
// SDK loads. Its refusal offers to drop the setting or variable naming it
// only when the SDK would then load a profile (the next source's) that
// passes the checks and find credentials without an EC2 instance's role
// (defaultGivesCredentials, when that profile is the default one no
// one names): following the hint never leads to a failure, checked or
// not, nor to credentials no one asked for.
func checkSources(files *sdkFiles, sources []profileSource, endpoint string) error {
	src := sources[0]
	otherwise := func() string {
		if src.field == "" || checkSources(files, sources[1:], endpoint) != nil ||
			sources[1].field == "" && !defaultGivesCredentials(files) {
			return ""
		}
		if src.field == Name+"."+SettingProfile {
			return ", or leave the setting out for the SDK's standard chain"
		}
		return ", or unset " + src.field
	}
	return checkProfile(files, src, endpoint, func(reason string) error {
		switch src.field {
		case "":
			return &signatures.ValidationError{Field: "profile", Value: src.profile,
				Reason: "the one the SDK loads when neither " + Name + "." + SettingProfile + ", " + envProfile + " nor " + envDefaultProfile +
					" names one: " + reason + ", or name another profile in " + Name + "." + SettingProfile + " or " + envProfile}
		case Name + "." + SettingProfile:
			return settingErr(SettingProfile, src.profile, reason+otherwise())
		}
		return &signatures.ValidationError{Field: src.field, Value: src.profile, Reason: reason + otherwise()}
	})
}

// envOverridesProfile reports whether the environment gives credentials
// the SDK takes before those of a profile the setting does not name: an
// access key id with its secret key, or a web identity token file.
func envOverridesProfile() bool {
	env, err := config.NewEnvConfig()
	return err == nil && (env.Credentials.HasKeys() || env.WebIdentityTokenFilePath != "")
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

// checkProfile refuses src.profile, with refuse's error, when the SDK's own
// loader of the files says that they hold no such profile (only if
// src.missingFails: the SDK fails on it then), or, named, that it gives
// no credentials of its own when the SDK takes its credentials
// (src.own: checkOwnCredentials), or no profile its
// source_profile (or theirs, down the chain) names, or no [sso-session …]
// section its sso_session names, or whose source_profile chain gives no
// credentials (it comes back to a profile it passed, a cycle, or ends at
// one with none), or ends at a credential_source the SDK does not take
// (checkCredentialSource), or that assumes a role with no region to call
// STS in (checkRoleRegion), or a section of whose chain gives one of the
// two keys without the other (partialSection: whatever the source, the
// SDK fails loading it), or whose loading the SDK's loader refuses for
// a source_profile, credential_source or web_identity_token_file without
// a role_arn, or more than one kind of credentials (loaderRefusal), or
// whose credentials are a web identity token read from a file that is
// not there (checkWebIdentityFile, when the SDK takes the profile's
// credentials): the SDK fails on each for sure when the inject runs. The last two only when the SDK takes the profile's
// credentials (src.resolved). Any other error of the loader is left to
// the run.
func checkProfile(files *sdkFiles, src profileSource, endpoint string, refuse func(reason string) error) error {
	profile := src.profile
	cfg, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	where := describeFiles(files)
	if err == nil && !src.resolved {
		return nil
	}
	if err == nil {
		if src.own {
			if err := checkOwnCredentials(files, &cfg, profile, where, refuse); err != nil {
				return err
			}
		}
		if err := checkCredentialSource(&cfg, profile, where, refuse); err != nil {
			return err
		}
		if src.field == Name+"."+SettingProfile || !envOverridesProfile() {
			if err := checkWebIdentityFile(files.read, &cfg, refuse); err != nil {
				return err
			}
		}
		return checkRoleRegion(&cfg, profile, endpoint, where, refuse)
	}
	var missing config.SharedConfigProfileNotExistError
	var noCredentials config.SharedConfigAssumeRoleError
	switch {
	case errors.As(err, &noCredentials) && noCredentials.Err == nil && noCredentials.Profile == profile:
		return refuse(fmt.Sprintf("its source_profile chain comes back to %q itself (a cycle) in %s, which gives no credentials of its own there: end the chain at a profile with keys, a credential_process, a credential_source or sso settings",
			signatures.Shorten(profile, signatures.MaxQuoted), where))
	case errors.As(err, &noCredentials) && noCredentials.Err == nil:
		return refuse(fmt.Sprintf("the source_profile %q its chain reaches in %s gives no credentials (none of its own, or the chain comes back to it, a cycle): end the chain at a profile with keys, a credential_process, a credential_source or sso settings",
			signatures.Shorten(noCredentials.Profile, signatures.MaxQuoted), where))
	case errors.As(err, &missing) && missing.Profile == profile && !src.missingFails:
		return nil
	case errors.As(err, &missing) && missing.Profile == profile:
		hints := ignoredSections(files.read, profile)
		return refuse("no such profile in " + where + ": " + strings.Join(append(hints, "name one of their profiles"), "; "))
	case errors.As(err, &missing):
		return refuse(fmt.Sprintf("the source_profile %q it uses is no profile of %s: name one of their profiles there",
			signatures.Shorten(missing.Profile, signatures.MaxQuoted), where))
	}
	if i := strings.Index(err.Error(), ssoSessionMissing); i >= 0 {
		session := strings.TrimSpace(err.Error()[i+len(ssoSessionMissing):])
		return refuse(fmt.Sprintf("the sso_session %q it uses has no [sso-session …] section of that name in %s: add one, or name one of theirs",
			signatures.Shorten(session, signatures.MaxQuoted), where))
	}
	if reason, ok := partialSection(files.read, err); ok {
		return refuse("its credentials are partial in " + where + ": " + reason)
	}
	if reason, ok := loaderRefusal(files.read, profile, err); ok {
		return refuse(reason)
	}
	return nil
}

// The credential_source values the SDK takes (config's resolveCredsFromSource,
// which fails on any other: "credential_source values must be
// EcsContainer, Ec2InstanceMetadata, or Environment").
var credentialSources = []string{"EcsContainer", "Ec2InstanceMetadata", "Environment"}

// checkCredentialSource refuses a loaded profile whose credentials, as
// the SDK resolves them (its own, else its source profile's, down the
// chain), come from a credential_source the SDK does not take: it fails
// on it for sure when the inject runs.
func checkCredentialSource(cfg *config.SharedConfig, profile, where string, refuse func(reason string) error) error {
	c := cfg
	for c.Source != nil {
		c = c.Source
	}
	if c.Credentials.HasKeys() || c.CredentialSource == "" || slices.Contains(credentialSources, c.CredentialSource) {
		return nil
	}
	via := ""
	if c.Profile != profile {
		via = fmt.Sprintf(" of its source profile %q", signatures.Shorten(c.Profile, signatures.MaxQuoted))
	}
	return refuse(fmt.Sprintf("the credential_source %q%s in %s is none the SDK takes: use %s",
		signatures.Shorten(c.CredentialSource, signatures.MaxQuoted), via, where, strings.Join(credentialSources, ", ")))
}

// checkRoleRegion refuses a loaded profile that assumes a role (role_arn,
// over a source profile, a credential_source or a web identity token)
// when the SDK has no region for its STS call: the profile sets none
// (the SDK takes the region of the profile it loads, never its source
// profile's), AWS_REGION and AWS_DEFAULT_REGION neither, and no endpoint
// setting names where the call goes. The SDK fails then, before any
// request, with "Missing Region".
func checkRoleRegion(cfg *config.SharedConfig, profile, endpoint, where string, refuse func(reason string) error) error {
	if cfg.RoleARN == "" || cfg.Region != "" || endpoint != "" {
		return nil
	}
	if env, err := config.NewEnvConfig(); err == nil && env.Region != "" {
		return nil
	}
	section := "[profile " + signatures.Shorten(profile, signatures.MaxQuoted) + "]"
	if profile == "default" {
		section = "[default]"
	}
	return refuse(fmt.Sprintf("it assumes a role (role_arn) but sets no region in %s, and the SDK calls STS for the role in the region "+
		"of the profile it loads (never its source profile's): add a line \"region = …\" (eu-west-1, say) to %s, or set AWS_REGION",
		where, section))
}

// readSecrets returns the secret key and session token the shared files
// give the profile the SDK would take its credentials from, as settings
// select it (the profile setting, else AWS_PROFILE, else default), none
// when the environment's keys come first or the files cannot be read
// (the inject says why): the values a param pasted by mistake may hold,
// read as the SDK reads them, from the files Configure checks.
func readSecrets(settings map[string]string) []string {
	env, err := config.NewEnvConfig()
	if err != nil {
		return nil
	}
	profile := strings.TrimSpace(settings[SettingProfile])
	if profile == "" {
		if env.Credentials.HasKeys() {
			return nil
		}
		profile = env.SharedConfigProfile
	}
	if profile == "" {
		profile = config.DefaultSharedConfigProfile
	}
	files, err := openSDKFiles()
	if err != nil {
		return nil
	}
	defer files.Close()
	c, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	if err != nil {
		return nil
	}
	return []string{c.Credentials.SecretAccessKey, c.Credentials.SessionToken}
}
