package cloudscan

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
)

// When STS refuses the credentials, AWS's message ("The security token
// included in the request is invalid") says not which of the host's
// credentials it refused: the environment's keys, a profile's, a
// credential_process's… The identity call's error names where the SDK
// took them from (credentialOrigin), from the source it gave them
// (aws.Credentials.Source), never a value.

// identityRefusals are the codes STS answers credentials it does not take
// with: a key it does not know (deleted, mistyped, another partition's),
// an expired session token, a signature made with the wrong secret key.
var identityRefusals = []string{"InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken",
	"ExpiredTokenException", "SignatureDoesNotMatch", "IncompleteSignature"}

// sharedSource begins the source the SDK gives a profile's keys, the path
// of the file it read them from after it (config's
// SharedConfigCredentials).
const sharedSource = "SharedConfigCredentials: "

// credentialOrigin says, in the user's terms, where credentials whose
// source is source come from; paths maps the paths the SDK read the
// shared files under (memFile) to their own.
func credentialOrigin(source string, paths map[string]string) string {
	if path, ok := strings.CutPrefix(source, sharedSource); ok {
		if own, ok := paths[path]; ok {
			path = own
		}
		return "the keys of a profile in " + path
	}
	switch source {
	case config.CredentialsSourceName:
		return "AWS_ACCESS_KEY_ID and its secret key in the environment"
	case processcreds.ProviderName:
		return "what the profile's credential_process printed"
	case endpointcreds.ProviderName:
		return "the container credentials endpoint's (AWS_CONTAINER_CREDENTIALS_FULL_URI or …_RELATIVE_URI)"
	case stscreds.WebIdentityProviderName:
		return "the role of a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, or a profile's web_identity_token_file)"
	case stscreds.ProviderName:
		return "the role a profile assumes (role_arn)"
	case ssocreds.ProviderName:
		return "a profile's SSO"
	case logincreds.ProviderName:
		return "a profile's console login (login_session)"
	case ec2rolecreds.ProviderName:
		return "the EC2 instance's role"
	case "":
		return "unknown"
	}
	return source
}

// signedWith is " (credentials: …)" for an identity call refused with
// code, naming where the credentials last handed out came from; "" for
// another code, or before any was.
func (c *learningCredentials) signedWith(code string) string {
	source := c.source.Load()
	if source == nil || !slices.Contains(identityRefusals, code) {
		return ""
	}
	return " (credentials: " + credentialOrigin(*source, c.paths) + ")"
}

// renewal says, in the user's terms, what renews expired credentials from
// source, for the error of credentials handed out already expired
// (expiredCredentials); "" when no more can be said than to renew them.
// A container's endpoint is named by the variable the SDK took it from
// (config's resolveHTTPCredProvider prefers the relative URI).
func renewal(source string) string {
	switch source {
	case processcreds.ProviderName:
		return "a credential_process that gives cached credentials must renew them once expired"
	case endpointcreds.ProviderName:
		name := "AWS_CONTAINER_CREDENTIALS_FULL_URI"
		if env, err := config.NewEnvConfig(); err == nil && env.ContainerCredentialsRelativePath != "" {
			name = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
		}
		return "the container credentials endpoint (" + name + ") must hand out credentials not yet expired: " +
			"the agent serving it (the ECS agent, the EKS Pod Identity agent) renews them"
	}
	return ""
}
