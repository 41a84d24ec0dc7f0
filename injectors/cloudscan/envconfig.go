package cloudscan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/internal/filekind"
	"github.com/injectkit/injectkit/signatures"
)

// awsVariable finds the variable an error of the SDK's reader of the
// environment names (its errors have no type: "invalid value for
// environment variable, AWS_USE_FIPS_ENDPOINT=1, need true, false").
var awsVariable = regexp.MustCompile(`AWS_[A-Z0-9_]+`)

// checkEnvConfig refuses an environment the SDK's reader of it refuses
// (config.NewEnvConfig): a variable it parses (a switch other than true
// or false, AWS_MAX_ATTEMPTS not a number, an unknown AWS_RETRY_MODE…)
// holding a value it does not take. The SDK reads the environment with
// each inject and fails before any call on such a value, so every inject
// would fail; the profile checks, reading it as the SDK does, would read
// nothing. The error names the variable and its value.
func checkEnvConfig() error {
	_, err := config.NewEnvConfig()
	if err == nil {
		return nil
	}
	name := awsVariable.FindString(err.Error())
	if name == "" && strings.Contains(err.Error(), "min request compression size bytes") {
		name = "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES" // the one error that does not name it
	}
	if name == "" {
		return &signatures.ValidationError{Field: "AWS SDK environment",
			Reason: "the AWS SDK refuses it (" + err.Error() + "), and would fail every inject: correct the variable it names"}
	}
	return &signatures.ValidationError{Field: name, Value: os.Getenv(name),
		Reason: "the AWS SDK refuses it (" + err.Error() + ") when it reads its environment with each inject, " +
			"and would fail every inject: correct it, or unset " + name}
}

// The variables the SDK reads a static key pair from, in its order: the
// first not empty of each.
var (
	envKeyIDs  = []string{"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"}
	envSecrets = []string{"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"}
)

// checkEnvKeyPair refuses half a key pair in the environment, when the
// profile setting does not name the credentials (with it the SDK takes
// the profile's, never the environment's): an access key id without its
// secret key, or the other way round. The SDK ignores the half it finds
// and takes other credentials, a profile's, a container's or an EC2
// instance's role (reaching for the instance metadata service), not the
// ones the variable says were meant. The error names the variable, its
// value withheld (the key id signs no request then, but is the host's).
func checkEnvKeyPair(setting string) error {
	if setting != "" {
		return nil
	}
	id, secret := firstSet(envKeyIDs), firstSet(envSecrets)
	var set, missing []string
	switch {
	case id != "" && secret == "":
		set, missing = []string{id}, envSecrets
	case secret != "" && id == "":
		set, missing = []string{secret}, envKeyIDs
	default:
		return nil
	}
	return &signatures.ValidationError{Field: set[0], Withheld: true,
		Reason: "is set, but neither " + strings.Join(missing, " nor ") + " is: the AWS SDK ignores half a key pair and takes " +
			"other credentials (a profile's of the shared files, a container's, an EC2 instance's role), not the ones " +
			set[0] + " says were meant; set both, or unset " + set[0]}
}

// firstSet returns the first of names whose variable is not empty, "" for
// none.
func firstSet(names []string) string {
	for _, n := range names {
		if os.Getenv(n) != "" {
			return n
		}
	}
	return ""
}

// checkEnvWebIdentity refuses AWS_WEB_IDENTITY_TOKEN_FILE when the SDK
// takes the environment's web identity for the credentials (without the
// profile setting, AWS_PROFILE not coming before it, and without keys in
// the environment, which come first: config's resolveCredentialChain)
// and fails every inject on it before any call: without AWS_ROLE_ARN
// (its loading fails, "role ARN is not set"), or naming no file, or one
// that is not a regular file (its reading of the token fails, "unable to
// read file at …", or waits on a FIFO). The error names the variable and
// the path (a path, not the token). A file there that cannot be read is
// left to the run.
func checkEnvWebIdentity(setting string) error {
	if setting != "" {
		return nil
	}
	env, err := config.NewEnvConfig()
	if err != nil || env.Credentials.HasKeys() || env.WebIdentityTokenFilePath == "" {
		return nil
	}
	path := env.WebIdentityTokenFilePath
	refuse := func(reason string) error {
		return &signatures.ValidationError{Field: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: path, Reason: reason}
	}
	if env.RoleARN == "" {
		return refuse("is set, but AWS_ROLE_ARN is not: without keys in the environment the AWS SDK takes the web identity " +
			"token for the credentials, and with no role to assume with it fails every inject (\"role ARN is not set\") " +
			"before any call; set AWS_ROLE_ARN to the role, or unset AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	const reads = ": without keys in the environment the AWS SDK reads the web identity token from it for the credentials " +
		"with each inject, and would fail every inject before any call; give the file the token is written to, or unset AWS_WEB_IDENTITY_TOKEN_FILE"
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return refuse("no such file" + reads)
	case err == nil && !fi.Mode().IsRegular():
		return refuse(filekind.NotRegular(fi.Mode()) + reads)
	}
	return nil
}

// envCredentialVars are the variables the SDK reads the credentials it signs
// with from, without the profile setting: the key pair (either name) and
// the session token.
var envCredentialVars = append(append(append([]string{}, envKeyIDs...), envSecrets...), "AWS_SESSION_TOKEN")

// checkEnvCredentials refuses, when the profile setting does not name the
// credentials (with it the SDK takes the profile's), a credential variable
// holding what the SDK would sign with as it is and AWS would never take:
// a character signatures.Garbling refuses (a line end of a value read with
// "$(cat key.txt)" from a file saved with CRLF, a byte order mark, a
// zero-width space, bytes that are not UTF-8), or white space at either
// end (a trailing no-break space pasted with the key). The SDK reads the
// environment untrimmed: a key id goes in the Authorization header (AWS
// refuses it, InvalidClientTokenId), a secret key signs (SignatureDoesNotMatch),
// a session token with a line end is refused by net/http; every inject
// would fail (exit 3) where the variable is refused here, before anything
// runs. The error names the variable and the character, its value withheld.
//
// AWS_CONTAINER_AUTHORIZATION_TOKEN, which the SDK sends as it is in the
// Authorization header of its call to a container's credentials endpoint,
// is checked alike whenever such an endpoint is set, whatever the setting
// (a profile's credential_source = EcsContainer reaches it too).
func checkEnvCredentials(setting string) error {
	names := []string{}
	if setting == "" {
		names = envCredentialVars
	}
	if os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" || os.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != "" {
		names = append(names[:len(names):len(names)], "AWS_CONTAINER_AUTHORIZATION_TOKEN")
	}
	for _, name := range names {
		v := os.Getenv(name)
		why := signatures.Garbling(v)
		if why == "" {
			why = edgeSpace(v)
		}
		if why != "" {
			return &signatures.ValidationError{Field: name, Withheld: true,
				Reason: why + ": the AWS SDK signs with the variable as it is, and AWS would refuse every request; correct it, or unset " + name}
		}
	}
	return nil
}

// edgeSpace says where v holds white space at its start or end, "" when
// it does not.
func edgeSpace(v string) string {
	if r, _ := utf8.DecodeRuneInString(v); unicode.IsSpace(r) {
		return fmt.Sprintf("holds the white space %U at byte 0, at its start", r)
	}
	if r, n := utf8.DecodeLastRuneInString(v); unicode.IsSpace(r) {
		return fmt.Sprintf("holds the white space %U at byte %d, at its end", r, len(v)-n)
	}
	return ""
}
