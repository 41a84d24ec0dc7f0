package cloudscan

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/injectkit/injectkit/internal/httpx"
)

// AWS echoes credentials in some error messages: SignatureDoesNotMatch
// quotes the canonical request it expected, every signed header included
// (x-amz-security-token, the session token); IncompleteSignature quotes the
// Authorization header (the access key id). Every SDK error reaches
// cloudscan through addSafeErrors, which reports those errors by code only
// and removes the session's credential values from every error text, or
// withholds the text whole when one remains in it split over lines, in
// wrapped base64 or in a hexdump (httpx.Redactor.ServerText), so no
// finding, error, message or log line holds one. The session's values are
// those of every provider of the credential chain: the top-level one's
// (learningCredentials) and those each assume-role step signs its call
// with (sessionAssumeRole).

// withheldMessage stands in for the message of an error about the
// request's signature.
const withheldMessage = "message withheld: it quotes the signed request and its credentials"

// minSecretLen is the shortest credential value redacted: a shorter one
// would garble texts and hides nothing.
const minSecretLen = 4

// signatureError reports whether code is one of the AWS errors about a
// request's signature or authentication whose message quotes the request,
// its headers or its credentials.
func signatureError(code string) bool {
	switch code {
	case "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException",
		"AuthorizationHeaderMalformed", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
		"InvalidToken":
		return true
	}
	return false
}

// redactor knows the credential values the session's requests were signed
// with and removes them from texts, in every form httpx.Redactor knows (as
// is, JSON-escaped, "/" as "\/" included, URL- and form-encoded, base64,
// hex, \u-escaped), and in the forms an AWS answer may echo them besides:
// lower- or upper-cased (an access key id, a percent-encoded token with
// lower-case hex), and form-decoded, "+" read as a space (a token or secret
// key taken from a query string). Safe for concurrent use.
type redactor struct {
	mu     sync.Mutex
	values map[string]bool
	red    *httpx.Redactor // nil until a value is known
}

func newRedactor() *redactor { return &redactor{values: map[string]bool{}} }

// learn adds the values of c.
func (r *redactor) learn(c aws.Credentials) {
	r.learnValues(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

// learnValues adds secret values: credentials, or a token traded for them.
func (r *redactor) learnValues(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	grew := false
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, f := range echoedForms(v) {
			if !r.values[f] {
				r.values[f] = true
				grew = true
			}
		}
	}
	if grew {
		r.red = httpx.NewRedactor(slices.Sorted(maps.Keys(r.values))...)
	}
}

// echoedForms returns v and the value an AWS answer may echo in its stead,
// each of which httpx.Redactor then redacts in all its encodings and
// letter cases: v form-decoded ("+" as a space).
func echoedForms(v string) []string {
	if strings.Contains(v, "+") {
		return []string{v, strings.ReplaceAll(v, "+", " ")}
	}
	return []string{v}
}

// serverText returns s, a text taken from an AWS answer or quoting one (an
// error's code, message or text, an SDK log line), as
// httpx.Redactor.ServerText shows it: every known credential value
// replaced by httpx.Redacted, or, when one remains split over lines, in
// the base64 of the request's headers wrapped at 76 columns or in a
// hexdump, the whole text withheld.
func (r *redactor) serverText(s string) string {
	if r == nil {
		return s
	}
	r.mu.Lock()
	red := r.red
	r.mu.Unlock()
	if red == nil {
		return s
	}
	return red.ServerText(s)
}

// safeError returns err as cloudscan may show it: an API error about the
// signature by its code only, every text without a credential value, its
// code and message each withheld whole when a credential remains in it
// split over lines or dump columns (serverText), the error's text
// withheld whole when one remains elsewhere in it. An error whose text
// holds none is returned as is. The original is not wrapped: its text is
// what must not travel.
func (r *redactor) safeError(err error) error {
	var cut *CallTimeoutError
	if errors.As(err, &cut) {
		safe := *cut
		if cut.waitCut() {
			safe.Last = r.safeText(cut.Last)
		} else {
			safe.Attempt = r.safeText(cut.Attempt)
		}
		return &safe
	}
	var retryCut *RetryCutError
	if errors.As(err, &retryCut) {
		safe := *retryCut
		safe.Last = r.safeText(retryCut.Last)
		return &safe
	}
	safe := r.safeText(err)
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		return &RetryBudgetError{Err: safe}
	}
	return safe
}

// safeText is safeError, the retry budget aside.
func (r *redactor) safeText(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg, text := ae.ErrorCode(), ae.ErrorMessage(), err.Error()
		safeCode, safeMsg := r.serverText(code), r.serverText(msg)
		if signatureError(code) && msg != "" && !clockMessage.MatchString(msg) {
			safeMsg = withheldMessage
		}
		if msg != safeMsg {
			text = strings.ReplaceAll(text, msg, safeMsg)
		}
		if code != safeCode {
			text = strings.ReplaceAll(text, code, safeCode)
		}
		safe := &safeAPIError{code: safeCode, message: safeMsg, fault: ae.ErrorFault(), text: r.serverText(text),
			fix: authFix(code, msg)}
		if safe.fix != "" {
			safe.text += " (" + safe.fix + ")"
		}
		var resp interface{ HTTPStatusCode() int }
		if errors.As(err, &resp) {
			safe.status = resp.HTTPStatusCode()
		}
		return safe
	}
	if text := r.serverText(err.Error()); text != err.Error() {
		return errors.New(text)
	}
	return err
}

// retryBudgetNote says why a call that could have been retried was not.
const retryBudgetNote = "not retried: the inject's retry budget ran out (the SDK's retry quota, one for every call of the inject; retry_max_attempts bounds each call's share)"

// RetryBudgetError is a call's last error when the SDK's standard retryer
// would have retried it but the inject's retry budget, the token bucket
// its one retryer shares between every call, had run out (the SDK's
// ratelimit.QuotaExceededError): throttling across many calls, not this
// call's own retry_max_attempts, ended it.
type RetryBudgetError struct {
	// Err is the call's last error, made safe.
	Err error
}

func (e *RetryBudgetError) Error() string { return e.Err.Error() + " (" + retryBudgetNote + ")" }

func (e *RetryBudgetError) Unwrap() error { return e.Err }

// safeAPIError is an AWS API error whose texts hold no credential value,
// with the HTTP status of its answer (0 when unknown) and, for one about
// the request's authentication, what to fix on the host (authFix), which
// its text ends with.
type safeAPIError struct {
	code, message, text, fix string
	fault                    smithy.ErrorFault
	status                   int
}

func (e *safeAPIError) HTTPStatusCode() int { return e.status }

// Fix returns what to fix on the host, "" when AWS authenticated the
// request.
func (e *safeAPIError) Fix() string { return e.fix }

func (e *safeAPIError) Error() string                 { return e.text }
func (e *safeAPIError) ErrorCode() string             { return e.code }
func (e *safeAPIError) ErrorMessage() string          { return e.message }
func (e *safeAPIError) ErrorFault() smithy.ErrorFault { return e.fault }

// addSafeErrors adds an initialize-step middleware, outermost, that makes
// every error of a call safe (safeError): retries, deserialization and the
// call timeout are all inside it.
func addSafeErrors(r *redactor) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("injectkitSafeErrors",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error,
			) {
				out, md, err := next.HandleInitialize(ctx, in)
				if err != nil {
					err = r.safeError(err)
				}
				return out, md, err
			}), middleware.Before)
	}
}

// learningCredentials hands out its provider's credentials and tells the
// redactor their values: every request is signed with credentials it
// handed out.
type learningCredentials struct {
	provider aws.CredentialsProvider
	red      *redactor
	// source is where the credentials last handed out came from (their
	// Source), nil before any; paths maps the shared files' paths the
	// SDK read to their own (credentialOrigin).
	source atomic.Pointer[string]
	paths  map[string]string
}

func (c *learningCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := c.provider.Retrieve(ctx)
	if err != nil {
		return creds, safeCredentialError(err)
	}
	c.red.learn(creds)
	c.source.Store(&creds.Source)
	if expires := creds.Expires.Add(cacheExpiryWindow(creds)); creds.CanExpire && !expires.After(time.Now()) {
		// The SDK's cache signs with credentials that expired before it
		// got them, and asks its provider again for every request (a
		// credential_process run again for each call): AWS refuses each
		// (ExpiredToken). Not one is sent.
		return aws.Credentials{}, expiredCredentials(creds.Source, expires)
	}
	return creds, nil
}

// cacheExpiryWindow is how much earlier than their provider said the
// SDK's cache, which Retrieve reads through, makes credentials expire
// (aws.CredentialsCache's ExpiryWindow, to renew them before they do):
// 5 minutes for a container's credentials endpoint (ECS, EKS Pod
// Identity: config's resolveHTTPCredProvider), none for the others. The
// SDK signs with them until Expires plus it, and AWS takes them: only
// then have they expired.
func cacheExpiryWindow(creds aws.Credentials) time.Duration {
	if creds.Source == endpointcreds.ProviderName {
		return 5 * time.Minute
	}
	return 0
}

// expiredCredentials is the error of credentials that had expired (at
// expires) when their provider (source) handed them out, naming the
// provider, when they expired and what renews them (never a value).
func expiredCredentials(source string, expires time.Time) error {
	from := "their provider"
	if source != "" {
		from = "their provider (" + source + ")"
	}
	renew := "renew them"
	if how := renewal(source); how != "" {
		renew += " (" + how + ")"
	}
	return fmt.Errorf("the credentials %s handed out expired at %s, before any request signed with them: "+
		"AWS would refuse each (ExpiredToken), so none is sent; %s", from, expires.UTC().Format(time.RFC3339), renew)
}

// ProviderSources keeps the credential source the SDK reports in its user
// agent.
func (c *learningCredentials) ProviderSources() []aws.CredentialSource {
	if s, ok := c.provider.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

// IsCredentialsProvider lets aws.IsCredentialsProvider see through the
// wrapper.
func (c *learningCredentials) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(c.provider, target)
}

// sessionAssumeRole is the STS client of an assume-role step of the SDK's
// credential chain (a profile's role_arn over a source_profile, a
// credential_source or a source's credential_process, a role over a
// role), made part of the session. Its AssumeRole call is signed with the
// credentials the role stands on, which the top-level provider never
// hands out: they are told to the redactor as the call retrieves them,
// and the call's errors are made safe as every call's (addSafeErrors), so
// that an answer echoing them (STS 403 InvalidClientTokenId quoting the
// token, a request id carrying it) reaches no error, log line or message.
// And it goes to the endpoint setting's endpoint, if any, as every call
// does: the SDK builds the client before it applies the setting, and
// would send the call to AWS_ENDPOINT_URL, or, that variable set empty,
// to AWS's own endpoint.
type sessionAssumeRole struct {
	client stscreds.AssumeRoleAPIClient
	sessionStep
}

func (c *sessionAssumeRole) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return c.client.AssumeRole(ctx, in, append(optFns, func(o *sts.Options) {
		if o.Credentials != nil {
			o.Credentials = &learningCredentials{provider: o.Credentials, red: c.red}
		}
		c.join(&o.APIOptions, &o.BaseEndpoint)
	})...)
}

// sessionAssumeRoles is the SDK's option that makes every assume-role
// step of the credential chain part of the session (sessionAssumeRole).
func sessionAssumeRoles(red *redactor, endpoint string) func(*stscreds.AssumeRoleOptions) {
	return func(o *stscreds.AssumeRoleOptions) {
		o.Client = &sessionAssumeRole{client: o.Client, sessionStep: sessionStep{red, endpoint}}
	}
}
