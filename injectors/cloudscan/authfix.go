package cloudscan

import (
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AWS refuses a request it cannot authenticate with a code that says
// little of what to change on the host: SignatureDoesNotMatch for a wrong
// secret key and, from STS and IAM, for a clock 15 minutes off; EC2's
// RequestExpired, S3's RequestTimeTooSkewed for the clock alone
// (AWS General Reference, "Troubleshoot signing errors"; Amazon EC2 API
// Reference, "Error codes"; Amazon S3 API Reference, "Error responses").
// The SDK corrects its clock by an answer's Date header and retries once
// for most of these (aws/retry's clock-skew codes), not for EC2's
// RequestExpired: expiredRetryable makes that one retried too, so the
// retry is signed with the corrected clock. What still fails says, in
// the error (authFix), what to fix: the host's clock, the secret key, the
// region. The message of a SignatureDoesNotMatch is withheld, since it
// quotes the signed request (signatureError), but STS's and IAM's about
// the clock, which holds three timestamps and nothing else (clockMessage).

// clockMessage matches STS's and IAM's message for a request signed more
// than 15 minutes from their clock, and nothing else.
var clockMessage = regexp.MustCompile(`^Signature (expired|not yet current): \d{8}T\d{6}Z is (now earlier|still later) than ` +
	`\d{8}T\d{6}Z \(\d{8}T\d{6}Z [-+] 15 min\.\)$`)

// Fixes named by authFix.
const (
	fixClock  = "the request's signing time is more than 15 minutes from AWS's clock: set this host's clock right (NTP)"
	fixSecret = "the secret access key is not the access key id's: check the secret key of the credentials"
	fixRegion = "the request was signed for another region than the endpoint's: check the target's cloud_region and the endpoint setting"
)

// authFix returns what to fix on the host for an AWS error of code with
// message msg (AWS's own, before it is withheld) when it says AWS could
// not authenticate the request, "" for any other.
func authFix(code, msg string) string {
	switch code {
	case "RequestTimeTooSkewed":
		return fixClock
	case "RequestExpired":
		return fixClock + ", or renew the credentials if they are temporary ones that expired"
	case "SignatureDoesNotMatch", "InvalidSignatureException":
		if clockMessage.MatchString(msg) {
			return fixClock
		}
		return fixSecret
	case "AuthorizationHeaderMalformed":
		return fixRegion
	}
	return ""
}

// expiredRetryable makes an EC2 RequestExpired answer retryable, as the
// SDK makes its clock-skew codes: the retry is signed with the clock the
// answer's Date header corrected (aws/retry's attempt clock skew), and a
// host whose clock is off gets EC2's answers as it gets the other
// services'. Credentials that expired are renewed by the SDK's cache
// before the retry signs.
type expiredRetryable struct{}

func (expiredRetryable) IsErrorRetryable(err error) aws.Ternary {
	if apiCode(err) == "RequestExpired" {
		return aws.TrueTernary
	}
	return aws.UnknownTernary // the SDK's other rules decide
}
