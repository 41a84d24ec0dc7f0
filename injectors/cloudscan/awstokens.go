package cloudscan

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// The tokens a credential chain trades for credentials are secrets as
// the credentials are: a web identity token (the contents of
// AWS_WEB_IDENTITY_TOKEN_FILE, or a profile's web_identity_token_file),
// sent in the AssumeRoleWithWebIdentity call, an SSO access token
// (from the SSO cache), sent to the SSO portal's GetRoleCredentials, and
// a container credentials endpoint's authorization token
// (AWS_CONTAINER_AUTHORIZATION_TOKEN, or the contents of
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE as each request reads it). Each
// is told to the redactor before its call is sent, and the call's errors
// are made safe as every call's (addSafeErrors), so that an answer
// echoing it reaches no error, log line or message (the container
// endpoint's refusal reaches them as the error of the call whose
// credentials it was asked for). The STS and SSO calls go to the endpoint
// setting's endpoint, if any, as every call does; the container's request
// goes where its variables say.

// sessionStep is what makes the client of a step of the credential chain
// part of the session: the session's redactor and endpoint setting.
type sessionStep struct {
	red      *redactor
	endpoint string // the endpoint setting, "" for AWS's own endpoints
}

// join makes the options of a step's call (its client's APIOptions and
// BaseEndpoint) the session's: the call's errors made safe
// (addSafeErrors), the call sent to the endpoint setting's endpoint, if
// any.
func (s sessionStep) join(apiOptions *[]func(*middleware.Stack) error, baseEndpoint **string) {
	*apiOptions = append(*apiOptions, addSafeErrors(s.red))
	if s.endpoint != "" {
		*baseEndpoint = aws.String(s.endpoint)
	}
}

// sessionWebIdentity is the client of a web identity step of the
// credential chain, made part of the session.
type sessionWebIdentity struct {
	client stscreds.AssumeRoleWithWebIdentityAPIClient
	sessionStep
}

func (c *sessionWebIdentity) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	if in != nil && in.WebIdentityToken != nil {
		c.red.learnValues(*in.WebIdentityToken)
	}
	return c.client.AssumeRoleWithWebIdentity(ctx, in, append(optFns, func(o *sts.Options) {
		c.join(&o.APIOptions, &o.BaseEndpoint)
	})...)
}

// sessionSSO is the client of an SSO step of the credential chain, made
// part of the session.
type sessionSSO struct {
	client ssocreds.GetRoleCredentialsAPIClient
	sessionStep
}

func (c *sessionSSO) GetRoleCredentials(ctx context.Context, in *sso.GetRoleCredentialsInput, optFns ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error) {
	if in != nil && in.AccessToken != nil {
		c.red.learnValues(*in.AccessToken)
	}
	return c.client.GetRoleCredentials(ctx, in, append(optFns, func(o *sso.Options) {
		c.join(&o.APIOptions, &o.BaseEndpoint)
	})...)
}

// learningToken tells the redactor each token its provider gives, before
// the request that carries it is sent.
type learningToken struct {
	provider endpointcreds.AuthTokenProvider
	red      *redactor
}

func (l learningToken) GetToken() (string, error) {
	token, err := l.provider.GetToken()
	l.red.learnValues(token, strings.TrimSpace(token))
	return token, err
}

// sessionTokenSteps are the SDK's options that make the web identity and
// SSO steps of the credential chain part of the session. The SDK may call
// each option twice on one step's options, first without a client (to
// take the caller's own): the client it then makes is wrapped once.
func sessionTokenSteps(red *redactor, endpoint string) []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
			if _, done := o.Client.(*sessionWebIdentity); o.Client != nil && !done {
				o.Client = &sessionWebIdentity{client: o.Client, sessionStep: sessionStep{red, endpoint}}
			}
		}),
		config.WithSSOProviderOptions(func(o *ssocreds.Options) {
			if _, done := o.Client.(*sessionSSO); o.Client != nil && !done {
				o.Client = &sessionSSO{client: o.Client, sessionStep: sessionStep{red, endpoint}}
			}
		}),
		// A container's credentials endpoint: its authorization token,
		// AWS_CONTAINER_AUTHORIZATION_TOKEN's or read from
		// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE on each request (EKS Pod
		// Identity's, rotated), sent as the request's Authorization header.
		config.WithEndpointCredentialOptions(func(o *endpointcreds.Options) {
			red.learnValues(o.AuthorizationToken)
			if tp := o.AuthorizationTokenProvider; tp != nil {
				if _, done := tp.(learningToken); !done {
					o.AuthorizationTokenProvider = learningToken{provider: tp, red: red}
				}
			}
		}),
		// The refresh of an sso_session's token (SSO OIDC CreateToken),
		// whose client the SDK builds before the setting could reach it
		// under the ignore switches (see open).
		config.WithSSOTokenProviderOptions(func(o *ssocreds.SSOTokenProviderOptions) {
			if endpoint != "" {
				o.ClientOptions = append(o.ClientOptions, func(o *ssooidc.Options) { o.BaseEndpoint = aws.String(endpoint) })
			}
		}),
	}
}
