package cloudscan

import (
	"context"
	"slices"
)

// credentialRefusals are the codes AWS answers a request with when the
// region it was signed for does not take credentials another region took:
// STS and the other query APIs InvalidClientTokenId, EC2 AuthFailure
// ("AWS was not able to validate the provided access credentials"), the
// JSON APIs UnrecognizedClientException, S3 (and S3 Control)
// InvalidAccessKeyId ("The AWS access key ID you provided does not exist
// in our records") or, for a session token, InvalidToken ("The provided
// token is malformed or otherwise invalid": aws/aws-cli#8413). Asked in
// an opt-in region the account has not enabled, every service answers so
// (AWS Account Management Reference Guide, "Enable or disable AWS Regions
// in your account": disabling a Region "will remove all IAM access to any
// resources that reside in that Region"; boto/boto3#2022, #3975). A
// check's refusal is taken for the region's only once STS there refuses
// the credentials too (regionalCheck).
var credentialRefusals = []string{"InvalidClientTokenId", "AuthFailure", "UnrecognizedClientException",
	"InvalidAccessKeyId", "InvalidToken"}

// optInRefusal is how a region refused credentials another region took.
type optInRefusal struct {
	code string
	// token is set when the credentials held a session token: the
	// region may be enabled, and refuse a token valid in the Regions
	// enabled by default only (notEnabled).
	token bool
}

// enabledByDefault are the Regions no account can disable: those AWS
// launched before 20 March 2019, and those of China and GovCloud (AWS
// Account Management Reference Guide, "Enable or disable AWS Regions in
// your account": "Default Regions cannot be enabled or disabled"; the
// Regions launched since are opt-in). The set does not grow.
var enabledByDefault = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true,
	"ca-central-1": true, "sa-east-1": true,
	"eu-central-1": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true, "eu-north-1": true,
	"ap-south-1": true, "ap-northeast-1": true, "ap-northeast-2": true, "ap-northeast-3": true,
	"ap-southeast-1": true, "ap-southeast-2": true,
	"cn-north-1": true, "cn-northwest-1": true, "us-gov-west-1": true, "us-gov-east-1": true,
}

// refuse records that region refused the credentials with code, after
// another region took them: an opt-in region the account has not enabled,
// or, when they hold a session token, one the region does not take. The
// first code is kept. A Region no account can disable (enabledByDefault)
// is not recorded: its refusal is of another cause (a new key IAM has
// not yet made known there: IAM is eventually consistent), and its checks
// run and report their own errors, their calls listed as any answered
// call is.
func (s *awsSession) refuse(ctx context.Context, region, code string) {
	if enabledByDefault[region] {
		return
	}
	token := false
	if s.cfg.Credentials != nil {
		// The credentials the refused call was signed with: cached, since
		// another region took them.
		creds, err := s.cfg.Credentials.Retrieve(ctx)
		token = err == nil && creds.SessionToken != ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused == nil {
		s.refused = map[string]optInRefusal{}
	}
	if _, ok := s.refused[region]; !ok {
		s.refused[region] = optInRefusal{code: code, token: token}
	}
}

// regionRefusal returns the code region refused the credentials with
// (refuse), "" when it did not, and whether they held a session token.
func (s *awsSession) regionRefusal(region string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refused[region]
	return r.code, r.token
}

// regionalCheck runs a regional check in region, unless the region refused
// the credentials already: then no call is made, nothing of it could
// succeed and no trail would log it (a trail logs the regions enabled in
// the account: AWS CloudTrail User Guide, "Understanding multi-Region
// trails and opt-in Regions"). A check whose every call the region
// refused so marks the region, once STS there refuses the credentials
// too, so that the checks after it make none.
func (s *awsSession) regionalCheck(ctx context.Context, region string, run func(context.Context) *CheckResult) *CheckResult {
	if code, _ := s.regionRefusal(region); code != "" {
		r := newCheckResult()
		r.Failed = true
		r.Errors = append(r.Errors, CheckError{Operation: "region", Code: code,
			Message: "not run: region " + region + " refused the credentials"})
		return r
	}
	r := run(ctx)
	if code := refusedAll(r); code != "" && ctx.Err() == nil && s.stsRefuses(ctx, region) {
		s.refuse(ctx, region, code)
	}
	return r
}

// stsRefuses reports whether STS, asked in region, refuses the credentials
// the identity call proved: a check's refusal alone does not tell a region
// not enabled from a refusal of the service's own (an EC2 AuthFailure
// about one request), STS's InvalidClientTokenId for credentials good
// elsewhere does (awsidentity.go).
func (s *awsSession) stsRefuses(ctx context.Context, region string) bool {
	_, err := s.callerAccount(ctx, region)
	return err != nil && slices.Contains(credentialRefusals, apiCode(err))
}

// refusedAll returns the code of a failed check whose every error is a
// credential refusal (credentialRefusals), "" otherwise.
func refusedAll(r *CheckResult) string {
	if !r.Failed || len(r.Errors) == 0 {
		return ""
	}
	for _, e := range r.Errors {
		if !slices.Contains(credentialRefusals, e.Code) {
			return ""
		}
	}
	return r.Errors[0].Code
}
