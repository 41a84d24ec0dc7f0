package cloudscan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// ownCredentials reports whether a profile the SDK loaded gives
// credentials of its own, as the SDK takes a profile's
// (resolveCredsFromProfile, in its order): a source_profile chain (the
// loader checked it gives some), keys, a credential_source, a web
// identity token file, SSO settings, a login session or a
// credential_process. Without any, the SDK goes on to a container's
// credentials endpoint in the environment, else to an EC2 instance's
// role (then assumes the profile's role_arn, if any, with them).
func ownCredentials(c *config.SharedConfig) bool {
	return c.Source != nil || c.Credentials.HasKeys() || c.CredentialSource != "" || c.WebIdentityTokenFile != "" ||
		c.SSOSessionName != "" || c.SSORegion != "" || c.SSOAccountID != "" || c.SSOStartURL != "" || c.SSORoleName != "" ||
		c.LoginSession != "" || c.CredentialProcess != ""
}

// checkOwnCredentials refuses a named profile whose credentials the SDK
// takes (profileSource.own) when it gives none of its own
// (ownCredentials): the SDK would sign with a container's or an EC2
// instance's role, not the credentials asked for, or fail reaching for
// them. The reason names the profile's sections, file and line, and a
// section the SDK ignores though it surely was meant for the profile
// ([profile x] in a credentials file: ignoredSections); never a value.
func checkOwnCredentials(files *sdkFiles, cfg *config.SharedConfig, profile, where string, refuse func(reason string) error) error {
	if ownCredentials(cfg) {
		return nil
	}
	fallback, whose := "go on to an EC2 instance's role", "an EC2 instance's role"
	if env, err := config.NewEnvConfig(); err == nil && env.ContainerCredentialsRelativePath != "" {
		fallback, whose = "take the container's credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)", "the container's credentials"
	} else if err == nil && env.ContainerCredentialsEndpoint != "" {
		fallback, whose = "take the container's credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)", "the container's credentials"
	}
	sections := "the profile"
	switch s := profileSections(files.read, profile); len(s) {
	case 0:
	case 1:
		sections = "its section " + s[0]
	default:
		sections = "its sections " + strings.Join(s, " and ")
	}
	var reason string
	if cfg.RoleARN != "" {
		reason = fmt.Sprintf("it assumes a role (role_arn) with no credentials of its own to assume it with in %s: %s gives no source_profile, "+
			"credential_source, web_identity_token_file, keys, credential_process or sso settings, "+
			"so the SDK would assume it with %s, not credentials the profile names", where, sections, whose)
	} else {
		reason = fmt.Sprintf("it gives no credentials of its own in %s: %s gives no aws_access_key_id with aws_secret_access_key, "+
			"credential_process, sso_session or sso_start_url, web_identity_token_file, login_session, "+
			"nor role_arn with source_profile or credential_source, so the SDK would %s, not the credentials asked for", where, sections, fallback)
	}
	hints := ignoredSections(files.read, profile)
	if cfg.RoleARN != "" {
		hints = append(hints, "add a source_profile, or credential_source = Ec2InstanceMetadata (EcsContainer in a container) if that role is meant")
	} else {
		hints = append(hints, fmt.Sprintf("add its keys under [%s] in the credentials file, or another source of credentials to the profile",
			signatures.Shorten(profile, signatures.MaxQuoted)))
	}
	return refuse(reason + "; " + strings.Join(hints, "; "))
}

// defaultGivesCredentials reports whether the SDK, loading no named
// profile, finds credentials without reaching for an EC2 instance's
// role: the environment's (envCredentials), or the default profile's own.
func defaultGivesCredentials(files *sdkFiles) bool {
	if envCredentials() {
		return true
	}
	cfg, err := config.LoadSharedConfigProfile(context.Background(), config.DefaultSharedConfigProfile, files.sharedOptions)
	return err == nil && ownCredentials(&cfg)
}

// describeFiles names the shared files the SDK reads, each it found
// nothing in (no such file, or one it cannot open: it reads it as
// empty) said so: "the shared configuration files (/a/config,
// /a/credentials (absent or unreadable: read as empty))".
func describeFiles(files *sdkFiles) string {
	configFiles, credentialsFiles := sharedFiles()
	var names []string
	for _, f := range append(configFiles, credentialsFiles...) {
		name := f.path
		if !slices.ContainsFunc(files.read, func(r readFile) bool { return r.path == f.path }) {
			name += " (absent or unreadable: read as empty)"
		}
		names = append(names, name)
	}
	return "the shared configuration files (" + strings.Join(names, ", ") + ")"
}

// ignoredSections returns, for profile, the headers of files the SDK
// ignores though they were surely meant for it: [profile name] in a
// credentials file, [name] (but [default]) in a config file; each as a
// hint to write it as the SDK reads it there.
func ignoredSections(files []readFile, profile string) []string {
	var hints []string
	for _, f := range files {
		ignored, want := "profile "+profile, profile
		if f.kind == "config" {
			ignored, want = profile, "profile "+profile
			if profile == "default" {
				continue
			}
		}
		for _, h := range f.headers {
			if h.name == ignored {
				hints = append(hints, fmt.Sprintf("%s:%d has [%s], which the SDK ignores in a %s file: write [%s] there",
					f.path, h.line, signatures.Shorten(ignored, signatures.MaxQuoted), f.kind, signatures.Shorten(want, signatures.MaxQuoted)))
			}
		}
	}
	return hints
}

// profileSections returns where the SDK reads profile's sections from:
// "[profile keys] (/path/config:1)", one per header it takes.
func profileSections(files []readFile, profile string) []string {
	var out []string
	for _, f := range files {
		for _, h := range f.headers {
			if profileSection(f, h, profile) {
				out = append(out, fmt.Sprintf("[%s] (%s:%d)", signatures.Shorten(h.name, signatures.MaxQuoted), f.path, h.line))
			}
		}
	}
	return out
}
