package cloudscan

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The tokens a credential chain trades for credentials are secrets as
// the credentials are: a web identity token (the contents of
// AWS_WEB_IDENTITY_TOKEN_FILE, or a profile's web_identity_token_file),
// sent in the AssumeRoleWithWebIdentity call, and an SSO access token
// (from the SSO cache), sent to the SSO portal's GetRoleCredentials. Each
// is told to the redactor before its call is sent, and the call's errors
// are made safe as every call's (addSafeErrors), so that an answer
// echoing it reaches no error, log line or message. Both calls go to the
// endpoint setting's endpoint, if any, as every call does.

// sessionWebIdentity is the client of a web identity step of the
// credential chain, made part of the session.
type sessionWebIdentity struct {
	client   stscreds.AssumeRoleWithWebIdentityAPIClient
	red      *redactor
	endpoint string // the endpoint setting, "" for AWS's own endpoints
}

func (c *sessionWebIdentity) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	if in != nil && in.WebIdentityToken != nil {
		c.red.learnValues(*in.WebIdentityToken)
	}
	return c.client.AssumeRoleWithWebIdentity(ctx, in, append(optFns, func(o *sts.Options) {
		o.APIOptions = append(o.APIOptions, addSafeErrors(c.red))
		if c.endpoint != "" {
			o.BaseEndpoint = aws.String(c.endpoint)
		}
	})...)
}

// sessionSSO is the client of an SSO step of the credential chain, made
// part of the session.
type sessionSSO struct {
	client   ssocreds.GetRoleCredentialsAPIClient
	red      *redactor
	endpoint string // the endpoint setting, "" for AWS's own endpoints
}

func (c *sessionSSO) GetRoleCredentials(ctx context.Context, in *sso.GetRoleCredentialsInput, optFns ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error) {
	if in != nil && in.AccessToken != nil {
		c.red.learnValues(*in.AccessToken)
	}
	return c.client.GetRoleCredentials(ctx, in, append(optFns, func(o *sso.Options) {
		o.APIOptions = append(o.APIOptions, addSafeErrors(c.red))
		if c.endpoint != "" {
			o.BaseEndpoint = aws.String(c.endpoint)
		}
	})...)
}

// sessionTokenSteps are the SDK's options that make the web identity and
// SSO steps of the credential chain part of the session. The SDK may call
// each option twice on one step's options, first without a client (to
// take the caller's own): the client it then makes is wrapped once.
func sessionTokenSteps(red *redactor, endpoint string) []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
			if _, done := o.Client.(*sessionWebIdentity); o.Client != nil && !done {
				o.Client = &sessionWebIdentity{client: o.Client, red: red, endpoint: endpoint}
			}
		}),
		config.WithSSOProviderOptions(func(o *ssocreds.Options) {
			if _, done := o.Client.(*sessionSSO); o.Client != nil && !done {
				o.Client = &sessionSSO{client: o.Client, red: red, endpoint: endpoint}
			}
		}),
	}
}
