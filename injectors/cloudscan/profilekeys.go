package cloudscan

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// keySessionToken is the key of a profile's session token, as the SDK
// names it.
const keySessionToken = "aws_session_token"

// checkProfileKeys refuses the static keys the SDK would sign with from
// the shared files (the profile it loads, when it takes that profile's
// credentials, and each source_profile of its chain) holding what
// checkEnvCredentials refuses in the environment: a byte order mark, a
// zero-width space, a line separator, bytes that are not UTF-8 inside a
// value (the SDK's reader trims the white space around it, nothing
// else). The SDK signs with such a key as it is and AWS refuses every
// request. The error names the file and line of the key, the key's name
// and the character, the value withheld.
func checkProfileKeys(files *sdkFiles, setting string) error {
	src := profileSources(setting)[0]
	if !src.resolved || setting == "" && envOverridesProfile() {
		return nil // the environment's keys are signed with (checkEnvCredentials)
	}
	cfg, err := config.LoadSharedConfigProfile(context.Background(), src.profile, files.sharedOptions)
	if err != nil {
		return nil // checkProfiles refuses it, or the run says what the SDK says
	}
	for c, depth := &cfg, 0; c != nil && depth < 64; c, depth = c.Source, depth+1 {
		for _, k := range []struct{ key, v string }{
			{keyAccessKeyID, c.Credentials.AccessKeyID},
			{keySecretAccessKey, c.Credentials.SecretAccessKey},
			{keySessionToken, c.Credentials.SessionToken},
		} {
			why := signatures.Garbling(k.v)
			if why == "" {
				why = edgeSpace(k.v)
			}
			if why == "" {
				continue
			}
			return &signatures.ValidationError{Field: keyLine(files.read, c.Profile, k.key), Withheld: true,
				Reason: fmt.Sprintf("%s of profile %q %s: the AWS SDK signs with it as it is, and AWS would refuse every request; correct it",
					k.key, signatures.Shorten(c.Profile, signatures.MaxQuoted), why)}
		}
	}
	return nil
}

// keyLine says where key of profile's section is given, "<file>:<line>",
// the credentials file's first (the SDK merges it last: its value wins),
// in a file the last section of the profile holding it (the SDK merges a
// section given twice, the later value winning), else the shared files.
func keyLine(files []readFile, profile, key string) string {
	for _, kind := range []string{"credentials", "config"} {
		for _, f := range files {
			if f.kind != kind {
				continue
			}
			name := profile
			if kind == "config" && profile != config.DefaultSharedConfigProfile {
				name = "profile " + profile
			}
			// A section given twice is merged, the later one's value
			// winning: the last section holding the key names it.
			for _, h := range slices.Backward(f.headers) {
				if h.name == name {
					if n := propertyLine(f, h, key); n > 0 {
						return fmt.Sprintf("%s:%d", f.path, n)
					}
				}
			}
		}
	}
	return "the AWS shared files' " + key
}

// propertyLine returns the line (from 1) of the last property key of
// section h in f, 0 for none.
func propertyLine(f readFile, h sectionHeader, key string) int { return sectionKeys(f, h)[key] }
